"""Failover: steady writes on one or more client paths while a fault hits, read back after.

Written once for every system: a path is "write item N" and "read back what landed"; the
fault is any ``stagetests.faults`` fault; ``healed`` says when the system is whole again.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from stagetests.errors import NotReadyError
from stagetests.faults import Fault, FaultRecord
from stagetests.measure.drivers import open_loop
from stagetests.measure.ledger import LedgerCheck, WriteLedger
from stagetests.measure.load import LoadResult
from stagetests.measure.timeline import OutageWindow
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.session import SuiteSession

__all__ = ["FailoverOutcome", "WritePath", "failover", "repeated"]


@dataclass(frozen=True)
class WritePath:
    """One way clients write: ``write(n)`` stores item n; ``read_back()`` returns
    (stream, item) pairs in stored order."""

    name: str
    write: Callable[[], Callable[[int], object]]  # one writer per worker (one connection)
    read_back: Callable[[], list[tuple[Hashable, Hashable]]]
    # Losses on this path are expected (asynchronous writes): shown as a finding, not judged.
    losses_expected: bool = False


@dataclass(frozen=True)
class FailoverOutcome:
    path: str
    fault: FaultRecord
    load: LoadResult
    window: OutageWindow
    ledger: LedgerCheck
    recovery_s: float | None  # revert -> healed (the old node serving in its new role)
    budget_s: float | None = None  # what the system's own timeouts allow


def failover(session: SuiteSession, scenario: str, paths: list[WritePath], fault: Fault,
             healed: Callable[[], str | bool], rate_per_s: float = 20.0,
             before_s: float = 3.0, after_s: float = 12.0, outage_max_s: float = 30.0,
             budget_s: float | None = None, concurrency: int = 4,
             ordered: bool = False, lost_max: float | None = 0) -> list[FailoverOutcome]:
    """Write on every path at ``rate_per_s`` for ``before_s``, inflict ``fault``, keep
    writing ``after_s``, revert the fault, wait until ``healed``, read back and judge.

    ``ordered``: the store promises acknowledgement order (a Kafka partition); otherwise
    concurrent writers have no defined order and reordering is shown, not judged.
    ``lost_max``: None for a fault expected to lose writes (a finding, shown not judged).
    """
    ledgers = {path.name: WriteLedger() for path in paths}
    results: dict[str, LoadResult] = {}

    def drive(path: WritePath) -> None:
        counter, ledger = itertools.count(), ledgers[path.name]

        def make_op() -> Callable[[], object]:
            write = path.write()

            def op() -> None:
                item = next(counter)
                try:
                    write(item)
                except Exception:
                    ledger.fail(item)  # may or may not have landed: not counted as lost
                    raise
                ledger.acknowledge(item, path.name)
            return op

        results[path.name] = open_loop(make_op, rate_per_s, before_s + after_s, concurrency)

    drivers = [threading.Thread(target=drive, args=(p,)) for p in paths]
    for thread in drivers:
        thread.start()
    time.sleep(before_s)  # the schedule: steady state first, then the fault
    record = session.faults.apply(fault)
    for thread in drivers:
        thread.join()
    reverted = time.monotonic()
    session.faults.revert(record)
    wait = WaitStrategy(f"{scenario}: recovery", timeout_s=session.settings.sandbox
                        .start_timeout_s)
    try:
        wait.until(healed, "healed")
        recovery_s: float | None = time.monotonic() - reverted
    except NotReadyError:
        recovery_s = None  # reported as a failed check, not raised: the run goes on
    outcomes = []
    for path in paths:
        load = results[path.name]
        fault_ns = load.origin_ns + int(load.seconds(record.started_at) * 1e9)
        window = load.timeline.outage(fault_ns)
        check = ledgers[path.name].check(path.read_back())
        outcomes.append(FailoverOutcome(path.name, record, load, window, check, recovery_s,
                                        budget_s))
        _store(session, f"{scenario} via {path.name}", outcomes[-1], outage_max_s, budget_s,
               ordered, None if path.losses_expected else lost_max)
    return outcomes


def _store(session: SuiteSession, scenario: str, outcome: FailoverOutcome,
           outage_max_s: float, budget_s: float | None, ordered: bool,
           lost_max: float | None) -> None:
    add, suite = session.run.add_metric, session.suite
    window, ledger = outcome.window, outcome.ledger
    errors = ", ".join(f"{k} {v}" for k, v in sorted(window.errors.items()))
    add(suite, scenario, "outage", window.duration_s, "s", outage_max_s,
        note=errors or "no failed writes")
    if budget_s is not None:
        add(suite, scenario, "failover budget", budget_s, "s",
            note="what the configuration's timeouts allow")
    add(suite, scenario, "acknowledged writes lost", ledger.lost, "writes", lost_max,
        note="" if lost_max is not None else "a finding: these writes may be lost by design")
    add(suite, scenario, "writes duplicated", ledger.duplicated, "writes", 0)
    add(suite, scenario, "writes reordered", ledger.reordered, "writes", 0 if ordered else None,
        note="" if ordered else "concurrent writers: no order is promised")
    add(suite, scenario, "recovery", outcome.recovery_s, "s",
        session.settings.sandbox.start_timeout_s, note="revert until healed")
    add(suite, scenario, "generator kept up", float(outcome.load.health.kept_up), "bool", 1.0,
        limit="min", note=outcome.load.health.reason)
    session.run.add_intervals(suite, scenario, "latency", outcome.load.intervals())
    session.record_latency(scenario, outcome.load)


def repeated(session: SuiteSession, faults: list[str], repetitions: int,
             healthy: Callable[[], str | bool],
             once: Callable[[str], list[FailoverOutcome]]) -> list[FailoverOutcome]:
    """Every fault ``repetitions`` times (``once(fault)``), the system ``healthy`` again
    before each: a fault never lands on a system still healing from the one before."""
    outcomes = []
    wait = WaitStrategy.on_servers("healthy before the next fault",
                                   session.settings.sandbox.start_timeout_s)
    for fault in faults:
        for _ in range(repetitions):
            wait.until(healthy, "healthy")
            outcomes += once(fault)
    return outcomes
