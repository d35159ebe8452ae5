"""The figures of a cluster scale-out: judged rows, per-second series and the phases."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from stagetests.measure.histogram import new_histogram, percentiles_ms
from stagetests.measure.load import LoadResult
from stagetests.session import SuiteSession

if TYPE_CHECKING:  # the result type only; no import cycle at run time
    from stagetests.suites.cache.cluster_scaling import ScaleOutResult

__all__ = ["Phase", "record_scale_out", "window_figures"]


@dataclass(frozen=True)
class Phase:
    """One step of the migration, in seconds since the load began."""

    name: str
    start_s: float
    end_s: float


def window_figures(load: LoadResult, start_s: float, end_s: float) -> dict[str, float]:
    """Throughput (ok/s) and merged percentiles (ms) of the whole seconds in a window."""
    width = load.latency.interval_s
    first, last = int(start_s // width), max(int(start_s // width) + 1,
                                               math.ceil(end_s / width))
    merged = new_histogram()
    for index in range(first, last):
        if (histogram := load.latency.histograms.get(index)) is not None:
            merged.add(histogram)
    ok = sum(1 for op in load.timeline.operations if op.ok
             and first * width <= (op.end_ns - load.origin_ns) / 1e9 < last * width)
    return {"throughput_per_s": ok / ((last - first) * width), **percentiles_ms(merged)}


def record_scale_out(session: SuiteSession, scenario: str, outcome: ScaleOutResult,
                     errors_max: float | None) -> None:
    add, suite, load = session.run.add_metric, session.suite, outcome.load
    ledger = outcome.ledger
    add(suite, scenario, "keys lost", ledger.lost, "keys", 0,
        note=f"{ledger.acknowledged} acknowledged before and during the moves, "
             f"{ledger.read_back} read back after")
    add(suite, scenario, "reads of a wrong value", outcome.reads_wrong, "reads", 0,
        note="a key written before the moves, missing or changed when read during them")
    errors = load.timeline.errors()
    add(suite, scenario, "errors", sum(errors.values()), "ops", errors_max,
        note=", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "none")
    add(suite, scenario, "MOVED redirects", outcome.moved, "redirects",
        note="followed by the client: its slot map was out of date")
    add(suite, scenario, "ASK redirects", outcome.ask, "redirects",
        note="followed by the client: the key's slot was being migrated")
    add(suite, scenario, "slot-not-served replies", outcome.unserved, "replies",
        note="from a removed spare; the client re-read its slot map and retried")
    for phase in outcome.phases:
        add(suite, scenario, f"{phase.name} duration", phase.end_s - phase.start_s, "s")
    if outcome.phases:
        start, end = outcome.phases[0].start_s, outcome.phases[-1].end_s
        add(suite, scenario, "migration duration", end - start, "s",
            note=" + ".join(p.name for p in outcome.phases))
        before, during = window_figures(load, 0, start), window_figures(load, start, end)
        add(suite, scenario, "p99 before the moves", before.get("p99"), "ms")
        add(suite, scenario, "p99 during the moves", during.get("p99"), "ms")
        add(suite, scenario, "throughput during the moves", during["throughput_per_s"],
            "ops/s", note=f"{before['throughput_per_s']:.0f} ops/s before")
        add(suite, scenario, "load covered the moves", float(end <= load.duration_s), "bool",
            1.0, limit="min", note=f"moves ended at {end:.1f} s of {load.duration_s:g} s load")
    add(suite, scenario, "generator kept up", float(load.health.kept_up), "bool", 1.0,
        limit="min", note=load.health.reason)
    session.run.add_intervals(suite, scenario, "per second", outcome.intervals)
    session.run.add_intervals(suite, scenario, "phases", [asdict(p) for p in outcome.phases])
