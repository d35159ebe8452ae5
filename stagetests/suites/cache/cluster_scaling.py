"""Redis Cluster scalability for real: a master and its replica join, slots are rebalanced
onto them and then drained off again while clients read and write; what the clients saw,
second by second, and whether every key survived the moves."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from stagetests.errors import ServiceError
from stagetests.measure.drivers import open_loop
from stagetests.measure.ledger import LedgerCheck, WriteLedger
from stagetests.measure.load import LoadResult
from stagetests.sandbox.cache_scaling import ClusterScaler
from stagetests.services.redis_cluster import ClusterClient
from stagetests.session import SuiteSession
from stagetests.suites.cache.cluster_scaling_report import Phase, record_scale_out
from stagetests.suites.cache.namespace import RedisNamespace

__all__ = ["SCALE_SCENARIO", "ScaleOutResult", "cluster_scale_out"]

SCALE_SCENARIO = "cluster scale-out"
_BATCH = 500


@dataclass(frozen=True)
class ScaleOutResult:
    load: LoadResult
    phases: list[Phase]  # add, rebalance, shrink: seconds on the load's clock
    intervals: list[dict[str, Any]]  # per second: throughput, p99, errors, moved, ask
    moved: int
    ask: int
    unserved: int  # "slot not served" replies from a spare after it left (map re-read)
    ledger: LedgerCheck  # every key written before and during the moves, read back after
    reads_wrong: int  # reads during the moves that missed a key or found another value


def cluster_scale_out(session: SuiteSession, namespace: RedisNamespace, rate_per_s: float = 0,
                      value_bytes: int = 100, duration_s: float = 60.0, before_s: float = 3.0,
                      keys_before: int = 2000, get_ratio: float = 0.5, concurrency: int = 8,
                      errors_max: float | None = None) -> ScaleOutResult | None:
    """Open-loop load (``rate_per_s``, 0: the profile's) for ``duration_s``; ``before_s``
    in, the two spare nodes join, slots are rebalanced onto them, then drained off and the
    spares removed, as fast as redis-cli goes; the rest of the load is the settled cluster.
    None (with a "not run" row) on a profile without two spare cluster nodes."""
    spares = session.settings.redis.spare_cluster_nodes
    if len(spares) < 2:
        session.run.add_metric(session.suite, SCALE_SCENARIO, "keys lost", None, "keys",
                               note="not run: the profile names no two spare cluster nodes")
        return None
    scaler = ClusterScaler(session.settings)
    if scaler.spares_idle() is not True:
        scaler.shrink()  # a run cut short left them in: start from the configured cluster
    value = _values(value_bytes)
    ledger, key = WriteLedger(), (lambda item: namespace.key("scale", item))
    _preload(namespace, key, value, keys_before, ledger)
    clients: list[ClusterClient] = []
    load: list[LoadResult] = []
    make_op = _worker(namespace, clients, ledger, key, value, keys_before, get_ratio)
    rate = rate_per_s or session.settings.run.rate_per_s
    driver = threading.Thread(target=lambda: load.append(
        open_loop(make_op, rate, duration_s, concurrency)))
    driver.start()
    marks: list[tuple[str, int, int]] = []
    try:
        time.sleep(before_s)  # the schedule: steady load first, then the moves
        master, replica = spares[:2]
        steps: list[tuple[str, Callable[[], None]]] = [
            ("add", lambda: scaler.add(master, replica)),
            ("rebalance", scaler.rebalance),
            ("shrink", scaler.shrink)]
        for name, step in steps:
            started = time.monotonic_ns()
            step()
            marks.append((name, started, time.monotonic_ns()))
    finally:
        driver.join()
        for client in clients:
            client.close()
    result = load[0]
    session.record_latency(SCALE_SCENARIO, result)
    namespace.wrote(sum(map(len, ledger.acknowledged.values())) - keys_before
                    + len(ledger.failed))
    phases = [Phase(n, (a - result.origin_ns) / 1e9, (b - result.origin_ns) / 1e9)
              for n, a, b in marks]
    check = ledger.check(_read_back(namespace, key, value, ledger))
    redirects = [r for c in clients for r in c.redirects]
    outcome = ScaleOutResult(
        result, phases, _per_second(result, redirects), sum(c.moved for c in clients),
        sum(c.ask for c in clients), sum(c.unserved for c in clients), check,
        result.timeline.errors().get("WrongValue", 0))
    record_scale_out(session, SCALE_SCENARIO, outcome, errors_max)
    return outcome


def _values(size: int) -> Callable[[int], str]:
    """Item n's value: its number, padded to ``size`` bytes (read back, it proves which)."""
    return lambda item: f"{item}:".ljust(size, "v")


def _preload(namespace: RedisNamespace, key: Callable[[int], str],
             value: Callable[[int], str], count: int, ledger: WriteLedger) -> None:
    client = ClusterClient(namespace.service)
    try:
        for first in range(0, count, _BATCH):
            items = range(first, min(count, first + _BATCH))
            client.pipeline([("SET", key(i), value(i)) for i in items])
            for item in items:
                ledger.acknowledge(item)
    finally:
        client.close()
    namespace.wrote(count)


def _worker(namespace: RedisNamespace, clients: list[ClusterClient], ledger: WriteLedger,
            key: Callable[[int], str], value: Callable[[int], str], preloaded: int,
            get_ratio: float) -> Callable[[], Callable[[], object]]:
    """Per worker: a cluster client; each call reads a preloaded key (its value checked) or
    writes a new one (in the ledger)."""
    items = itertools.count(preloaded)

    def make_op() -> Callable[[], object]:
        client, chance = ClusterClient(namespace.service), random.Random()
        clients.append(client)

        def op() -> None:
            if preloaded and chance.random() < get_ratio:
                item = chance.randrange(preloaded)
                found = client.execute("GET", key(item))
                if found != value(item):
                    raise ServiceError(f"{key(item)} read {found!r} during the move",
                                       "WrongValue")
                return
            item = next(items)
            try:
                client.execute("SET", key(item), value(item))
            except Exception:
                ledger.fail(item)  # may have landed: not counted as lost
                raise
            ledger.acknowledge(item)
        return op
    return make_op


def _read_back(namespace: RedisNamespace, key: Callable[[int], str],
               value: Callable[[int], str], ledger: WriteLedger
               ) -> list[tuple[Hashable, Hashable]]:
    """(stream, item) for every written or attempted item whose key holds its value now."""
    written = {i for s in ledger.acknowledged.values() for i in s} | ledger.failed
    items = sorted(i for i in written if isinstance(i, int))
    client, found = ClusterClient(namespace.service), list[tuple[Hashable, Hashable]]()
    try:
        for first in range(0, len(items), _BATCH):
            batch = items[first:first + _BATCH]
            replies = client.pipeline([("GET", key(i)) for i in batch])
            found += [("", i) for i, r in zip(batch, replies, strict=True) if r == value(i)]
    finally:
        client.close()
    return found


def _per_second(load: LoadResult, redirects: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The load's intervals with the redirects each second saw."""
    rows = load.intervals()
    width = load.latency.interval_s
    counts: dict[tuple[int, str], int] = {}
    for at_ns, kind in redirects:
        index = int((at_ns - load.origin_ns) / 1e9 // width)
        counts[index, kind] = counts.get((index, kind), 0) + 1
    for row in rows:
        index = round(row["t_s"] / width)
        row["moved"], row["ask"] = counts.get((index, "MOVED"), 0), counts.get((index, "ASK"), 0)
    return rows
