"""Figures of particular scenarios: failover timelines, pool curves, lag by link latency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from stagetests.report.plots import DPI, SIZE, Chart, Charts, figure_with_axes, readable_log, shade

__all__ = ["lag_series", "outage_timeline", "outage_timelines", "pool_curve"]


def outage_timeline(outcomes: Sequence[Any], title: str = "Writes around the fault") -> Chart:
    """Every write of every path as a tick (ok above, failed below) with the fault shaded."""
    figure, axes = figure_with_axes(title)
    for row, outcome in enumerate(outcomes):
        load = outcome.load
        for ok, colour in ((True, "#1a7f37"), (False, "#cf222e")):
            ends = [(op.end_ns - load.origin_ns) / 1e9 for op in load.timeline.operations
                    if op.ok is ok]
            axes.scatter(ends, [row + (0.12 if ok else -0.12)] * len(ends), s=6,
                         color=colour, marker="|")
        window = outcome.window
        if window.duration_s is not None and window.last_ok_before_ns is not None:
            start = (window.last_ok_before_ns - load.origin_ns) / 1e9
            axes.plot([start, start + window.duration_s], [row, row], color="#9a6700", lw=3)
            axes.annotate(f"{window.duration_s:.2f} s", (start + window.duration_s, row),
                          xytext=(4, -3), textcoords="offset points", fontsize=8)
    if outcomes:
        shade(axes, outcomes[0].load, [outcomes[0].fault])
    axes.set_yticks(range(len(outcomes)), [o.path for o in outcomes])
    axes.set_ylim(-0.6, len(outcomes) - 0.4)
    axes.set_xlabel("seconds since start (green: acknowledged, red: failed, bar: outage)")
    return Chart(figure, title)


def pool_curve(rows: Sequence[dict[str, Any]], title: str = "Connection pool curve") -> Chart:
    """Throughput and mean latency against concurrent clients, per way of connecting."""
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    left, right = figure.subplots(1, 2)
    figure.suptitle(title, x=0.01, ha="left", fontsize=11)
    for mode in dict.fromkeys(r["mode"] for r in rows):
        mine = [r for r in rows if r["mode"] == mode]
        clients = [r["clients"] for r in mine]
        left.plot(clients, [r["throughput_per_s"] for r in mine], marker="o", label=mode)
        right.plot(clients, [r["mean_ms"] for r in mine], marker="o", label=mode)
        waits = [r.get("acquire_max_ms") for r in mine]
        if any(w is not None for w in waits):
            right.plot(clients, waits, marker="x", ls="--", label="pool: longest acquire wait")
    left.set_ylabel("queries per second")
    right.set_ylabel("ms")
    right.set_yscale("log")
    readable_log(right.yaxis)
    for axes in (left, right):
        axes.set_xlabel("concurrent clients")
        axes.set_xscale("log", base=2)
        axes.grid(alpha=0.3)
    right.legend(fontsize=7)
    return Chart(figure, title)


def lag_series(series: Sequence[Any], title: str = "Replication lag by link latency") -> Chart:
    """Canary lag over time, one line per injected link latency."""
    figure, axes = figure_with_axes(title)
    for found in series:
        axes.plot(found.seconds, [np.nan if lag is None else lag * 1000 for lag in found.lags_s],
                  marker="o", ms=3, label=f"+{found.latency_ms} ms link")
    axes.set_xlabel("seconds since the series began")
    axes.set_ylabel("lag, ms")
    axes.legend(fontsize=8)
    return Chart(figure, title)


def outage_timelines(outcomes: Sequence[Any]) -> Charts:
    """The outage timeline of each kind of fault (its first repetition; the failover table
    has them all), with every path that wrote through it."""
    first: dict[str, Any] = {}
    groups: dict[str, list[Any]] = {}
    for outcome in outcomes:
        if first.setdefault(outcome.fault.kind, outcome.fault) is outcome.fault:
            groups.setdefault(outcome.fault.kind, []).append(outcome)
    return Charts(outage_timeline(group, f"Writes around: {group[0].fault.kind}")
                  for group in groups.values())
