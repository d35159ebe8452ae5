"""Latency in HdrHistograms: one per interval, merged for totals, never averaged."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

__all__ = [
    "HIGHEST_US",
    "LOWEST_US",
    "PERCENTILES",
    "LatencyRecorder",
    "new_histogram",
    "percentile_distribution",
    "percentiles_ms",
]

LOWEST_US = 1
HIGHEST_US = 60_000_000  # 60 s; slower answers are clamped to it, and counted
SIGNIFICANT_DIGITS = 3
PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def percentile_distribution(histogram: HdrHistogram) -> str:
    """The histogram in HdrHistogram's ``.hgrm`` text form (values in ms), which its
    plotters (HistogramLogAnalyzer, hdrhistogram.github.io/HdrHistogram/plotFiles.html) read."""
    out = io.BytesIO()
    histogram.output_percentile_distribution(out, 1000)
    return out.getvalue().decode()


def percentiles_ms(histogram: HdrHistogram) -> dict[str, float]:
    """p50 … p99.9 and max of ``histogram`` in milliseconds (empty: no keys)."""
    if histogram.get_total_count() == 0:
        return {}
    found = {f"p{p:g}": histogram.get_value_at_percentile(p) / 1000 for p in PERCENTILES}
    found["max"] = histogram.get_max_value() / 1000
    return found


@dataclass
class LatencyRecorder:
    """Latencies by interval (``interval_s`` wide, counted from ``origin_ns``)."""

    origin_ns: int
    interval_s: float = 1.0
    histograms: dict[int, HdrHistogram] = field(default_factory=dict)
    clamped: int = 0

    def record(self, at_ns: int, latency_ns: int) -> None:
        """Record one latency, in the interval of ``at_ns`` (when the operation ended)."""
        index = int((at_ns - self.origin_ns) / 1e9 // self.interval_s)
        histogram = self.histograms.get(index)
        if histogram is None:
            histogram = self.histograms[index] = new_histogram()
        micros = max(LOWEST_US, latency_ns // 1000)
        if micros > HIGHEST_US:
            self.clamped += 1
            micros = HIGHEST_US
        histogram.record_value(micros)

    def total(self) -> HdrHistogram:
        """All intervals merged: exact, unlike any average of interval percentiles."""
        merged = new_histogram()
        for histogram in self.histograms.values():
            merged.add(histogram)
        return merged

    def merge(self, others: Iterable[LatencyRecorder]) -> None:
        """Add other recorders (other workers, same origin and interval) into this one."""
        for other in others:
            self.clamped += other.clamped
            for index, histogram in other.histograms.items():
                mine = self.histograms.setdefault(index, new_histogram())
                mine.add(histogram)

    def encoded(self) -> dict[int, str]:
        """Interval histograms as compressed base64 "histoblobs" (HdrHistogram V2)."""
        return {index: h.encode().decode() for index, h in sorted(self.histograms.items())}

    @classmethod
    def decoded(cls, origin_ns: int, interval_s: float, blobs: dict[int, str]
                ) -> LatencyRecorder:
        recorder = cls(origin_ns, interval_s)
        for index, blob in blobs.items():
            histogram = new_histogram()
            histogram.decode_and_add(blob)
            recorder.histograms[int(index)] = histogram
        return recorder
