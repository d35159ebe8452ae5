"""measure/: histograms, coordinated omission, outage windows and ledgers, without servers."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from pathlib import Path

from stagetests.measure.drivers import closed_loop, open_loop
from stagetests.measure.histogram import LatencyRecorder, new_histogram
from stagetests.measure.ledger import WriteLedger
from stagetests.measure.timeline import Operation, Timeline

MS = 1_000_000


def test_merged_interval_histograms_equal_one_histogram_of_all_values() -> None:
    rng = random.Random(7)
    recorder, single = LatencyRecorder(origin_ns=0, interval_s=1.0), new_histogram()
    for _ in range(20_000):
        at = rng.randrange(0, 10_000) * MS
        latency = int(rng.lognormvariate(13, 1.2))
        recorder.record(at, latency)
        single.record_value(max(1, latency // 1000))
    merged = recorder.total()
    assert len(recorder.histograms) == 10
    assert merged.get_total_count() == single.get_total_count() == 20_000
    for p in (50, 90, 99, 99.9, 100):
        assert merged.get_value_at_percentile(p) == single.get_value_at_percentile(p)


def test_recorders_round_trip_through_histoblobs() -> None:
    recorder = LatencyRecorder(origin_ns=0)
    for i in range(1000):
        recorder.record(i * MS, (i % 50 + 1) * MS)
    copy = LatencyRecorder.decoded(0, 1.0, recorder.encoded())
    assert copy.total().get_value_at_percentile(99) == recorder.total().get_value_at_percentile(99)


def _stalling_op(stall_at: int, stall_s: float) -> Callable[[], Callable[[], object]]:
    calls = itertools.count()

    def make() -> Callable[[], object]:
        def op() -> None:
            # A server that answers in ~0.2 ms but freezes once for stall_s.
            time.sleep(stall_s if next(calls) == stall_at else 0.0002)
        return op

    return make


def test_a_stall_under_a_fixed_rate_shows_in_p999_but_a_closed_loop_hides_it() -> None:
    opened = open_loop(_stalling_op(100, 1.0), rate_per_s=200, duration_s=3, concurrency=1)
    closed = closed_loop(_stalling_op(100, 1.0), workers=1, duration_s=3)
    open_p999 = opened.latency.total().get_value_at_percentile(99.9) / 1e6
    closed_p999 = closed.latency.total().get_value_at_percentile(99.9) / 1e6
    # Coordinated omission: ~200 calls were due during the stall; an open loop charges each
    # its wait, the closed loop made only one call in that second.
    assert 0.8 < open_p999 < 1.3
    assert closed_p999 < 0.1
    assert opened.summary()["operations"] == 600
    assert opened.health.intended_rate == 200 and opened.health.saturated > 0


def test_generator_health_flags_a_rate_it_cannot_issue() -> None:
    result = open_loop(lambda: (lambda: None), rate_per_s=1000, duration_s=1, concurrency=2)
    assert result.health.issued_rate >= 950
    assert result.health.dispatch_lag_p99_ms is not None


def _timeline(*ops: tuple[int, int, bool, str]) -> Timeline:
    timeline = Timeline()
    for start, end, ok, error in ops:
        timeline.add(Operation(start * MS, start * MS, end * MS, ok, error))
    return timeline


def test_outage_runs_from_last_success_before_to_first_success_after() -> None:
    timeline = _timeline((0, 5, True, ""), (10, 15, True, ""), (20, 120, False, "Timeout"),
                         (125, 130, False, "Refused"), (135, 140, False, "Refused"),
                         (145, 150, True, ""), (160, 165, True, ""))
    window = timeline.outage(fault_ns=18 * MS)
    assert window.last_ok_before_ns == 15 * MS and window.first_ok_after_ns == 150 * MS
    assert window.duration_s == 0.135
    assert window.failed == 3 and window.errors == {"Timeout": 1, "Refused": 2}


def test_a_success_begun_before_a_failure_does_not_end_the_outage() -> None:
    timeline = _timeline((10, 15, True, ""), (20, 40, False, "Refused"),
                         (19, 45, True, ""), (50, 60, True, ""))
    window = timeline.outage(fault_ns=16 * MS)
    assert window.first_ok_after_ns == 60 * MS


def test_no_failure_means_the_gap_between_successes() -> None:
    window = _timeline((0, 10, True, ""), (30, 40, True, "")).outage(fault_ns=20 * MS)
    assert window.duration_s == 0.03 and window.failed == 0


def test_ledger_counts_lost_duplicated_and_reordered() -> None:
    ledger = WriteLedger()
    for item in range(10):
        ledger.acknowledge(item, stream="p0")
    ledger.fail(99)
    read = [("p0", i) for i in (0, 1, 3, 2, 4, 4, 5, 6, 7, 99)]  # 8, 9 lost; 4 twice; 2 late
    check = ledger.check(read)
    assert (check.lost, check.duplicated, check.reordered) == (2, 1, 1)
    assert check.unacknowledged_seen == 1 and not check.clean
    assert WriteLedger().check([]).clean


def _noop_factory() -> Callable[[], object]:
    return lambda: None


def test_worker_processes_share_one_schedule() -> None:
    result = open_loop(_noop_factory, rate_per_s=400, duration_s=1.5, concurrency=2,
                       processes=2)
    assert result.summary()["operations"] == 600
    assert result.health.intended_rate == 400
    starts = sorted(op.intended_ns for op in result.timeline.operations)
    # Two slices of one schedule: both processes' starts interleave over the whole run.
    assert starts[-1] - starts[0] > 1.4e9


def test_a_write_in_flight_when_the_fault_strikes_does_not_end_the_outage() -> None:
    timeline = _timeline((0, 5, True, ""), (8, 21, True, ""), (22, 30, False, "Refused"),
                         (31, 40, True, ""))
    window = timeline.outage(fault_ns=20 * MS)
    assert (window.last_ok_before_ns, window.first_ok_after_ns) == (21 * MS, 40 * MS)
    assert window.failed == 1


def test_every_recorded_latency_becomes_an_hgrm_file_per_repetition(tmp_path: Path) -> None:
    from stagetests.faults import FaultInjector
    from stagetests.results import RunStore
    from stagetests.session import SuiteSession
    from stagetests.settings import Settings

    settings = Settings()
    session = SuiteSession(settings, RunStore(tmp_path).create("unit", ["cache"], {}), "cache",
                           FaultInjector(settings))
    result = closed_loop(lambda: (lambda: time.sleep(0.001)), workers=2, duration_s=0.2)
    first = session.record_latency("failover: kill via plain writes", result)
    second = session.record_latency("failover: kill via plain writes", result)
    assert first is not None and second is not None
    assert (first.name, second.name) == ("cache-failover-kill-via-plain-writes.hgrm",
                                         "cache-failover-kill-via-plain-writes-2.hgrm")
    lines = first.read_text().splitlines()
    assert lines[0].split() == ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]
    median = next(float(line.split()[0]) for line in lines[2:]
                  if float(line.split()[1]) >= 0.5)
    assert 1.0 <= median < 50.0  # ms: each operation sleeps 1 ms
