"""Health validation: a set of probes, each timed over repetitions and judged."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from stagetests.errors import InfrastructureError, ServiceError
from stagetests.faults import Restart, server
from stagetests.measure.histogram import new_histogram, percentiles_ms
from stagetests.session import SuiteSession

__all__ = ["HealthProbe", "ProbeResult", "detect_stopped", "health_checks"]


@dataclass(frozen=True)
class HealthProbe:
    """``check`` returns True when healthy, or a reason naming what is not."""

    name: str
    check: Callable[[], str | bool]


@dataclass(frozen=True)
class ProbeResult:
    name: str
    healthy: bool
    reason: str
    p50_ms: float
    p99_ms: float
    max_ms: float


def health_checks(session: SuiteSession, scenario: str, probes: list[HealthProbe],
                  repetitions: int = 20, max_ms: float = 100.0, record: bool = True
                  ) -> list[ProbeResult]:
    """Run every probe ``repetitions`` times; latency percentiles and the last verdict
    (stored as metrics unless ``record`` is False)."""
    results = []
    for probe in probes:
        histogram = new_histogram()
        answer: str | bool = "not run"
        for _ in range(max(1, repetitions)):
            started = time.perf_counter_ns()
            try:
                answer = probe.check()
            except (InfrastructureError, ServiceError) as exc:
                answer = f"{exc.kind}: {str(exc)[:120]}"
            histogram.record_value(max(1, (time.perf_counter_ns() - started) // 1000))
        healthy = answer is True
        shown = percentiles_ms(histogram)
        result = ProbeResult(probe.name, healthy, "" if healthy else str(answer),
                             shown["p50"], shown["p99"], shown["max"])
        results.append(result)
        if not record:
            continue
        add, suite = session.run.add_metric, session.suite
        add(suite, scenario, f"{probe.name} p99", result.p99_ms, "ms", max_ms)
        add(suite, scenario, f"{probe.name} healthy", float(healthy), "bool", 1.0,
            limit="min", note=result.reason)
    return results


def detect_stopped(session: SuiteSession, probes: list[HealthProbe], server_name: str,
                   named_as: str, max_ms: float) -> list[ProbeResult]:
    """Stop sandbox server ``server_name`` gracefully and run the probes: a failed check must
    name it (``named_as``: how the probes call it). Stored as a pass/fail metric."""
    with session.faults.active(Restart(server(server_name))):
        found = health_checks(session, "health", probes, repetitions=3, max_ms=max_ms,
                              record=False)
    reasons = [f"{r.name}: {r.reason}" for r in found if not r.healthy]
    named = any(named_as in reason for reason in reasons)
    session.run.add_metric(session.suite, "health, one replica stopped",
                           "stopped replica named", float(named), "bool", 1.0, limit="min",
                           note="; ".join(reasons)[:200] or "no check failed")
    return found
