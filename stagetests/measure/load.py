"""The result of one load run: latencies by interval, every operation, generator health."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from stagetests.measure.health import GeneratorHealth
from stagetests.measure.histogram import LatencyRecorder, percentiles_ms
from stagetests.measure.timeline import Timeline

__all__ = ["LoadResult"]


@dataclass
class LoadResult:
    """Latency from the intended start (``latency``; closed loop: from the start) and from
    the actual start (``service``), on one monotonic clock starting at ``origin_ns``."""

    mode: str
    origin_ns: int
    origin_wall: float  # time.time() at origin_ns: places fault records on this clock
    duration_s: float
    latency: LatencyRecorder
    service: LatencyRecorder
    timeline: Timeline
    health: GeneratorHealth

    def seconds(self, wall: float) -> float:
        """A wall-clock time (a fault's start, say) as seconds since the run's origin."""
        return wall - self.origin_wall

    def summary(self) -> dict[str, Any]:
        """Whole-run figures: counts, throughput, merged percentiles (ms), health."""
        ops = self.timeline.operations
        ok = sum(op.ok for op in ops)
        return {"mode": self.mode, "operations": len(ops), "ok": ok, "errors": len(ops) - ok,
                "throughput_per_s": ok / self.duration_s if self.duration_s else 0.0,
                **percentiles_ms(self.latency.total()),
                "service": percentiles_ms(self.service.total()),
                "kept_up": self.health.kept_up, "health": self.health.reason}

    def intervals(self) -> list[dict[str, Any]]:
        """One row per interval: start second, throughput, errors, percentiles (ms)."""
        width = self.latency.interval_s
        errors: Counter[int] = Counter()
        done: Counter[int] = Counter()
        for op in self.timeline.operations:
            index = int((op.end_ns - self.origin_ns) / 1e9 // width)
            done[index] += 1
            errors[index] += not op.ok
        rows = []
        for index in sorted(set(done) | set(self.latency.histograms)):
            histogram = self.latency.histograms.get(index)
            rows.append({"t_s": index * width, "operations": done[index],
                         "throughput_per_s": (done[index] - errors[index]) / width,
                         "errors": errors[index],
                         **(percentiles_ms(histogram) if histogram else {})})
        return rows
