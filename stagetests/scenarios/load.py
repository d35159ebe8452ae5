"""Latency under a fixed-rate load, measured and stored with its thresholds."""

from __future__ import annotations

import io
from collections.abc import Callable

from stagetests.measure.drivers import open_loop
from stagetests.measure.load import LoadResult
from stagetests.session import SuiteSession

__all__ = ["latency_under_load", "store_load"]


def store_load(session: SuiteSession, scenario: str, result: LoadResult,
               p99_ms_max: float | None = None, p999_ms_max: float | None = None,
               min_throughput: float | None = None) -> None:
    """Metrics (judged), interval series and the ``.hgrm`` distribution of ``result``."""
    run, suite, summary = session.run, session.suite, result.summary()
    add = run.add_metric
    add(suite, scenario, "p50 latency", summary.get("p50"), "ms")
    add(suite, scenario, "p99 latency", summary.get("p99"), "ms", p99_ms_max)
    add(suite, scenario, "p99.9 latency", summary.get("p99.9"), "ms", p999_ms_max)
    add(suite, scenario, "max latency", summary.get("max"), "ms")
    add(suite, scenario, "throughput", summary["throughput_per_s"], "ops/s", min_throughput,
        limit="min")
    add(suite, scenario, "errors", summary["errors"], "ops", 0)
    # A generator that fell behind measured itself, not the server: that fails the scenario.
    add(suite, scenario, "generator kept up", float(result.health.kept_up), "bool", 1.0,
        limit="min", note=result.health.reason)
    run.add_intervals(suite, scenario, "latency", result.intervals())
    out = io.BytesIO()
    result.latency.total().output_percentile_distribution(out, 1000.0)  # in ms
    run.add_histogram(f"{suite}-{scenario}".replace(" ", "_"), out.getvalue().decode())


def latency_under_load(session: SuiteSession, scenario: str,
                       make_op: Callable[[], Callable[[], object]], rate_per_s: float,
                       duration_s: float, p99_ms_max: float | None = None,
                       concurrency: int = 8) -> LoadResult:
    """An open-loop load of ``make_op`` operations at ``rate_per_s``; stored and returned."""
    result = open_loop(make_op, rate_per_s, duration_s, concurrency=concurrency)
    store_load(session, scenario, result, p99_ms_max=p99_ms_max)
    return result
