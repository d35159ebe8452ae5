"""Redis Cluster figures: the throughput-latency curve with its knee, and the clients'
view of a slot migration second by second with its phases shaded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from stagetests.report.plots import DPI, SIZE, Chart, figure_with_axes, readable_log

__all__ = ["migration_series", "throughput_latency_curve"]

PHASE_COLOURS = {"add": "#2ca02c", "rebalance": "#1f77b4", "shrink": "#9467bd"}


def throughput_latency_curve(rows: Sequence[Mapping[str, Any]],
                             knee: Mapping[str, Any] | None = None,
                             title: str = "Cluster throughput against p99 latency") -> Chart:
    """Commands per second against p99 (log), one line per pipeline depth, each point
    labelled with its client count; the knee ringed and named."""
    figure, axes = figure_with_axes(title)
    for depth in sorted({r["pipeline"] for r in rows}):
        mine = sorted((r for r in rows if r["pipeline"] == depth), key=lambda r: r["clients"])
        rates = [r["commands_per_s"] for r in mine]
        p99s = [np.nan if r["p99_ms"] is None else r["p99_ms"] for r in mine]
        axes.plot(rates, p99s, marker="o", ms=4, label=f"pipeline {depth}")
        for row, rate, p99 in zip(mine, rates, p99s, strict=True):
            axes.annotate(f"{row['clients']}c", (rate, p99), xytext=(3, 3),
                          textcoords="offset points", fontsize=7)
    if knee is not None and knee.get("p99_ms") is not None:
        axes.scatter([knee["commands_per_s"]], [knee["p99_ms"]], s=160, facecolors="none",
                     edgecolors="#d62728", lw=2, zorder=3)
        axes.annotate(f"knee: {knee['clients']} clients x P{knee['pipeline']}",
                      (knee["commands_per_s"], knee["p99_ms"]), xytext=(8, -14),
                      textcoords="offset points", fontsize=8, color="#a40e26")
    axes.set_yscale("log")
    readable_log(axes.yaxis)
    axes.set_xlabel("commands per second (pipelines x depth)")
    axes.set_ylabel("p99 per pipeline, ms")
    axes.legend(fontsize=8, loc="upper left")
    return Chart(figure, title)


def _phases(axes: Axes, phases: Sequence[Any], label: bool) -> None:
    for phase in phases:
        colour = PHASE_COLOURS.get(phase.name, "#7f7f7f")
        axes.axvspan(phase.start_s, phase.end_s, color=colour, alpha=0.12, lw=0)
        if label:
            axes.annotate(phase.name, (phase.start_s, 1.0), xycoords=("data", "axes fraction"),
                          xytext=(3, -12), textcoords="offset points", fontsize=8,
                          color=colour)


def migration_series(intervals: Sequence[Mapping[str, Any]], phases: Sequence[Any],
                     title: str = "Clients across the cluster's growth and shrink") -> Chart:
    """Top: ok/s, errors/s and redirects/s each second; bottom: p99 each second (log).
    ``phases`` have ``name``, ``start_s``, ``end_s`` (a ``ScaleOutResult``'s)."""
    figure = Figure(figsize=(SIZE[0], SIZE[1] * 1.6), dpi=DPI, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.set_title(title, loc="left", fontsize=11)
    times = [r["t_s"] for r in intervals]
    top.plot(times, [r["throughput_per_s"] for r in intervals], color="#1f77b4", label="ok/s")
    top.bar(times, [r["errors"] for r in intervals], width=0.8, align="edge",
            color="#d62728", alpha=0.6, label="errors/s")
    top.bar(times, [r.get("moved", 0) + r.get("ask", 0) for r in intervals], width=0.4,
            align="edge", color="#ff7f0e", alpha=0.7, label="MOVED + ASK /s")
    top.set_ylabel("per second")
    top.legend(fontsize=8, loc="lower right", ncol=3)
    bottom.plot(times, [r.get("p99", np.nan) for r in intervals], color="#ff7f0e",
                marker="o", ms=3, label="p99")
    bottom.set_yscale("log")
    readable_log(bottom.yaxis)
    bottom.set_ylabel("p99, ms (from intended start)")
    bottom.set_xlabel("seconds since the load began")
    for axes, label in ((top, True), (bottom, False)):
        axes.grid(alpha=0.3)
        _phases(axes, phases, label)
    return Chart(figure, title)
