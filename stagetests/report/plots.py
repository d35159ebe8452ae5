"""Report figures (matplotlib, PNG in the HTML); each takes results, returns a Figure."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

from stagetests.faults import FaultRecord
from stagetests.measure.load import LoadResult

__all__ = [
    "DPI",
    "SIZE",
    "Chart",
    "Charts",
    "figure_with_axes",
    "latency_distribution",
    "latency_over_time",
    "readable_log",
    "shade",
    "throughput_and_errors",
]

class Chart:
    """A figure that shows itself as a PNG in any notebook frontend and exported report
    (a bare ``Figure`` only does under pyplot's inline backend)."""

    def __init__(self, figure: Figure, title: str) -> None:
        self.figure, self.title = figure, title

    def _repr_png_(self) -> tuple[bytes, dict[str, str]]:
        out = io.BytesIO()
        self.figure.savefig(out, format="png", dpi=DPI)
        return out.getvalue(), {"alt": self.title}  # the report's <img alt>


class Charts(list[Chart]):
    """Several charts from one cell, one under the other (a plain list would show as text)."""

    def _repr_html_(self) -> str:
        images = []
        for chart in self:
            png, meta = chart._repr_png_()
            images.append(f'<img alt="{html.escape(meta["alt"])}" '
                          f'src="data:image/png;base64,{base64.b64encode(png).decode()}">')
        return "<br>".join(images)


SERIES = (("p50", "#1f77b4"), ("p95", "#2ca02c"), ("p99", "#ff7f0e"), ("p99.9", "#d62728"),
          ("max", "#7f7f7f"))
SIZE, DPI = (9.0, 3.4), 80  # small PNGs keep a report under a few hundred KB


def figure_with_axes(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=11)
    axes.grid(alpha=0.3)
    return figure, axes


def readable_log(axis: Any) -> None:
    """Plain numbers (0.5, 2, 10) on a log axis, without crowded minor labels."""
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ScalarFormatter())
    axis.set_minor_formatter(NullFormatter())


def shade(axes: Axes, result: LoadResult, faults: Sequence[FaultRecord]) -> None:
    """Fault windows as labelled bands on the run's time axis."""
    for fault in faults:
        start = result.seconds(fault.started_at)
        end = result.seconds(fault.ended_at) if fault.ended_at else result.duration_s
        axes.axvspan(start, end, color="#d62728", alpha=0.12, lw=0)
        axes.annotate(f"{fault.kind}: {fault.target}", (start, 1.0), xycoords=("data",
                      "axes fraction"), xytext=(3, -12), textcoords="offset points",
                      fontsize=8, color="#a40e26")


def latency_over_time(result: LoadResult, faults: Sequence[FaultRecord] = (),
                      title: str = "Latency over time") -> Chart:
    """p50/p95/p99/p99.9/max per interval (from interval histograms), log scale."""
    figure, axes = figure_with_axes(title)
    rows = result.intervals()
    times = [r["t_s"] for r in rows]
    for name, colour in SERIES:
        axes.plot(times, [r.get(name, np.nan) for r in rows], label=name, color=colour, lw=1.4,
                  marker="o", ms=3)
    axes.set_yscale("log")
    readable_log(axes.yaxis)
    axes.set_xlabel("seconds since start")
    axes.set_ylabel("ms (from intended start)" if result.mode == "open-loop" else "ms")
    shade(axes, result, faults)
    axes.legend(ncol=5, fontsize=8, loc="upper right")
    return Chart(figure, title)


def throughput_and_errors(result: LoadResult, faults: Sequence[FaultRecord] = (),
                          title: str = "Throughput and errors") -> Chart:
    figure, axes = figure_with_axes(title)
    rows = result.intervals()
    times = [r["t_s"] for r in rows]
    width = result.latency.interval_s
    axes.plot(times, [r["throughput_per_s"] for r in rows], color="#1f77b4", label="ok/s")
    axes.bar(times, [r["errors"] / width for r in rows], width=width * 0.8, align="edge",
             color="#d62728", alpha=0.6, label="errors/s")
    if result.health.intended_rate:
        axes.axhline(result.health.intended_rate, color="#555", ls="--", lw=1,
                     label="intended rate")
    axes.set_xlabel("seconds since start")
    axes.set_ylabel("operations per second")
    shade(axes, result, faults)
    axes.legend(fontsize=8, loc="lower right")
    return Chart(figure, title)


def latency_distribution(result: LoadResult, title: str = "Latency distribution") -> Chart:
    """Histogram and HdrHistogram percentile spectrum (log 1/(1-p) axis, to 99.999%)."""
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    left, right = figure.subplots(1, 2)
    figure.suptitle(title, x=0.01, ha="left", fontsize=11)
    total = result.latency.total()
    values, counts = [], []
    for item in total.get_recorded_iterator():
        values.append(item.value_iterated_to / 1000)
        counts.append(item.count_at_value_iterated_to)
    if values:
        left.hist(values, weights=counts, bins=np.geomspace(max(min(values), 1e-3),
                                                            max(values) * 1.01, 40))
        left.set_xscale("log")
        readable_log(left.xaxis)
    left.set_xlabel("ms")
    left.set_ylabel("operations")
    nines = np.array([0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999])
    if total.get_total_count():
        spectrum = [total.get_value_at_percentile(p * 100) / 1000 for p in nines]
        right.plot(1 / (1 - nines[:-1]), spectrum[:-1], marker="o", ms=3)
        right.set_xscale("log")
        right.set_yscale("log")
        readable_log(right.yaxis)
        right.set_xticks([1, 10, 100, 1000, 10000], ["0%", "90%", "99%", "99.9%", "99.99%"])
    right.set_xlabel("percentile")
    right.set_ylabel("ms")
    for axes in (left, right):
        axes.grid(alpha=0.3)
    return Chart(figure, title)
