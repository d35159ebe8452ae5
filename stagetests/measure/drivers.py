"""Load drivers around any operation: closed loop (N workers as fast as they can) and open
loop (a fixed rate; latency counted from the intended start, so a stall is not hidden)."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from stagetests.measure.health import judge
from stagetests.measure.histogram import LatencyRecorder, new_histogram
from stagetests.measure.load import LoadResult
from stagetests.measure.timeline import Operation, Timeline

__all__ = ["closed_loop", "open_loop"]

OpFactory = Callable[[], Callable[[], object]]
# Worker processes need time to start (spawn + imports) before the common schedule begins.
SPAWN_HEADSTART_NS = 3_000_000_000


@dataclass
class _Share:
    """What one driver process measured, in a form that crosses a process boundary."""

    latency: dict[int, str]
    service: dict[int, str]
    operations: list[tuple[int, int, int, bool, str]]
    issued: int
    dispatch_lag: str
    saturated: int
    cpu_s: float
    clamped: int = 0


def _drive(mode: str, make_op: OpFactory, rate: float | None, duration_s: float,
           threads: int, interval_s: float, origin_ns: int) -> _Share:
    latency, service = LatencyRecorder(origin_ns, interval_s), LatencyRecorder(origin_ns,
                                                                                interval_s)
    lag, lock, ops = new_histogram(), threading.Lock(), []
    end_ns = origin_ns + int(duration_s * 1e9)
    work: queue.Queue[int | None] = queue.Queue()
    state = {"busy": 0, "issued": 0, "saturated": 0}
    cpu_before = time.process_time()

    def run(op: Callable[[], object], intended: int) -> None:
        start = time.monotonic_ns()
        try:
            op()
            error = ""
        except Exception as exc:  # an operation's failure is a measurement, not a crash
            error = getattr(exc, "kind", "") or type(exc).__name__
        done = time.monotonic_ns()
        with lock:
            latency.record(done, done - intended)
            service.record(done, done - start)
            ops.append((intended, start, done, not error, error))

    def worker() -> None:
        op = make_op()
        if mode == "closed-loop":
            while (now := time.monotonic_ns()) < end_ns:
                run(op, now)
            return
        while (intended := work.get()) is not None:
            run(op, intended)
            with lock:
                state["busy"] -= 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    time.sleep(max(0.0, (origin_ns - time.monotonic_ns()) / 1e9))
    for thread in pool:
        thread.start()
    if mode == "open-loop" and rate:
        period_ns = 1e9 / rate
        for index in range(int(duration_s * rate)):
            intended = origin_ns + int(index * period_ns)
            time.sleep(max(0.0, (intended - time.monotonic_ns()) / 1e9))
            lag.record_value(max(1, (time.monotonic_ns() - intended) // 1000))
            with lock:
                state["saturated"] += state["busy"] >= threads
                state["busy"] += 1
            state["issued"] += 1
            work.put(intended)
        for _ in pool:
            work.put(None)
    for thread in pool:
        thread.join()
    # A closed loop issues exactly what it completes; only an open loop can fall behind.
    issued = state["issued"] if mode == "open-loop" else len(ops)
    return _Share(latency.encoded(), service.encoded(), ops, issued,
                  lag.encode().decode(), state["saturated"], time.process_time() - cpu_before,
                  latency.clamped)


def _run(mode: str, make_op: OpFactory, rate: float | None, duration_s: float,
         threads: int, interval_s: float, processes: int) -> LoadResult:
    wall, start = time.time(), time.monotonic_ns()
    if processes <= 1:
        shares = [_drive(mode, make_op, rate, duration_s, threads, interval_s, start)]
    else:
        # Every process follows its slice of one schedule from the same origin; the
        # monotonic clock is shared by all processes of the machine.
        start += SPAWN_HEADSTART_NS
        wall += SPAWN_HEADSTART_NS / 1e9
        slice_rate = rate / processes if rate else None
        with multiprocessing.get_context("spawn").Pool(processes) as workers:
            shares = workers.starmap(_drive, [(mode, make_op, slice_rate, duration_s, threads,
                                               interval_s, start)] * processes)
    latency = LatencyRecorder(start, interval_s)
    service = LatencyRecorder(start, interval_s)
    lag, timeline = new_histogram(), Timeline()
    for share in shares:
        latency.merge([LatencyRecorder.decoded(start, interval_s, share.latency)])
        service.merge([LatencyRecorder.decoded(start, interval_s, share.service)])
        latency.clamped += share.clamped
        lag.decode_and_add(share.dispatch_lag)
        for fields in share.operations:
            timeline.add(Operation(*fields))
    elapsed = max(duration_s, (time.monotonic_ns() - start) / 1e9)
    issued = sum(s.issued for s in shares)
    open_loop = mode == "open-loop"
    delays = new_histogram()
    for op in timeline.operations:
        delays.record_value(max(1, (op.start_ns - op.intended_ns) // 1000))
    health = judge(
        mode, rate, issued / duration_s, len(timeline.operations) / elapsed,
        lag.get_value_at_percentile(99) / 1000 if open_loop else None,
        delays.get_value_at_percentile(99) / 1000 if open_loop else None,
        sum(s.saturated for s in shares), 100 * sum(s.cpu_s for s in shares) / elapsed,
        max(1, processes))
    return LoadResult(mode, start, wall, duration_s, latency, service, timeline, health)


def closed_loop(make_op: OpFactory, workers: int = 4, duration_s: float = 10.0,
                interval_s: float = 1.0, processes: int = 1) -> LoadResult:
    """``workers`` threads (per process) each calling its own op back to back: the most
    throughput, but a stall only delays the next call, so latency under it looks fine."""
    return _run("closed-loop", make_op, None, duration_s, workers, interval_s, processes)


def open_loop(make_op: OpFactory, rate_per_s: float, duration_s: float = 10.0,
              concurrency: int = 16, interval_s: float = 1.0, processes: int = 1
              ) -> LoadResult:
    """Start an operation every 1/rate seconds whatever happened before, on up to
    ``concurrency`` workers per process; latency counts from when each should have
    started. ``make_op`` is called once per worker (one connection each); with
    ``processes`` > 1 it must be picklable (a module-level function or a partial)."""
    return _run("open-loop", make_op, rate_per_s, duration_s, concurrency, interval_s,
                processes)
