"""Figures of the cache suite's eviction and benchmark scenarios (plain data in, Chart out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from stagetests.report.plots import Chart, Charts, figure_with_axes, readable_log
from stagetests.report.tables import HtmlTable

__all__ = ["benchmark_latency", "benchmark_table", "eviction_chart", "eviction_charts"]

_MIB = 1024 * 1024


def eviction_chart(run: Any) -> Chart:
    """One policy: used memory against ``maxmemory`` over time, evicted and expired keys on
    the right axis, and when memory pressure began."""
    title = f"Eviction: {run.policy}"
    figure, axes = figure_with_axes(title)
    seconds = [s["t_s"] for s in run.samples]
    axes.plot(seconds, [s["used_memory"] / _MIB for s in run.samples], color="#1f77b4",
              label="used memory")
    axes.axhline(run.maxmemory / _MIB, color="#cf222e", ls="--", label="maxmemory")
    if run.pressure_at_s is not None:
        axes.axvline(run.pressure_at_s, color="#9a6700", ls=":", label="limit reached")
    axes.set_ylim(0, run.maxmemory / _MIB * 1.25)
    axes.set_xlabel("seconds since the fill began")
    axes.set_ylabel("MiB")
    keys = axes.twinx()
    keys.plot(seconds, [s["evicted_keys"] for s in run.samples], color="#ff7f0e",
              label="evicted keys")
    keys.plot(seconds, [s["expired_keys"] for s in run.samples], color="#7f7f7f",
              label="expired keys")
    keys.set_ylabel("keys")
    lines = axes.get_legend_handles_labels()
    more = keys.get_legend_handles_labels()
    axes.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="lower right")
    if run.oom_errors:
        axes.annotate(f"{run.oom_errors} writes refused (OOM)", (0.01, 0.04),
                      xycoords="axes fraction", fontsize=8)
    return Chart(figure, title)


def eviction_charts(runs: Sequence[Any]) -> Charts:
    """A chart per policy, in the order they ran."""
    return Charts(eviction_chart(run) for run in runs)


def benchmark_latency(rows: Sequence[dict[str, Any]], title: str = "Latency per command"
                      ) -> Chart:
    """Per command at the fixed rate: mean, p99 and p99.9 (ms) as grouped bars, log scale."""
    figure, axes = figure_with_axes(title)
    labels = [r["label"] for r in rows]
    where = np.arange(len(rows))
    for offset, (key, colour) in enumerate((("mean_ms", "#1f77b4"), ("p99_ms", "#ff7f0e"),
                                            ("p99.9_ms", "#d62728"))):
        values = [r["fixed_rate"][key] or np.nan for r in rows]
        axes.bar(where + (offset - 1) * 0.27, values, 0.27, color=colour,
                 label=key.removesuffix("_ms"))
    axes.set_xticks(where, labels, fontsize=8)
    axes.set_yscale("log")
    readable_log(axes.yaxis)
    axes.set_ylabel("ms (open loop, from the intended start)")
    axes.legend(fontsize=8)
    return Chart(figure, title)


def benchmark_table(rows: Sequence[dict[str, Any]]) -> HtmlTable:
    """Per command: fixed-rate latency, our closed-loop rate, redis-benchmark's, the ratio."""
    return HtmlTable(pd.DataFrame([{
        "target": r["target"], "command": r["label"], "clients": r["clients"],
        "mean ms": r["fixed_rate"]["mean_ms"], "p99 ms": r["fixed_rate"]["p99_ms"],
        "p99.9 ms": r["fixed_rate"]["p99.9_ms"], "our ops/s": r["our_rate_per_s"],
        "redis-benchmark ops/s": r["native_rate_per_s"], "ratio": r["ratio"],
        "driver": r["driver"], "generator": r["our"]["health"] or "kept up"} for r in rows]))
