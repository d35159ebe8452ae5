"""Did the load generator keep up? Attached to every load result, judged the same way."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GeneratorHealth", "judge"]

# The generator fell behind when it issued fewer operations than planned, its own dispatch
# ran late (CPU-starved), or it burned a whole core (then it, not the server, was the limit).
MIN_ISSUED_RATIO = 0.95
MAX_DISPATCH_LAG_MS = 10.0
MAX_CPU_PERCENT = 90.0


@dataclass(frozen=True)
class GeneratorHealth:
    """What the load generator planned and what it managed."""

    mode: str  # "open-loop" or "closed-loop"
    intended_rate: float | None  # per second; None for closed loop
    issued_rate: float
    achieved_rate: float  # completed (ok or not) per second
    dispatch_lag_p99_ms: float | None  # open loop: how late the schedule fired
    start_delay_p99_ms: float | None  # open loop: intended start -> start (waiting for a worker)
    saturated: int  # operations that found every worker busy
    driver_cpu_percent: float  # of one core, summed over driver processes
    kept_up: bool
    reason: str = ""


def judge(mode: str, intended_rate: float | None, issued_rate: float, achieved_rate: float,
          dispatch_lag_p99_ms: float | None, start_delay_p99_ms: float | None,
          saturated: int, cpu_percent: float, processes: int) -> GeneratorHealth:
    reasons = []
    if intended_rate and issued_rate < MIN_ISSUED_RATIO * intended_rate:
        reasons.append(f"issued {issued_rate:.1f}/s of {intended_rate:.1f}/s planned")
    if dispatch_lag_p99_ms is not None and dispatch_lag_p99_ms > MAX_DISPATCH_LAG_MS:
        reasons.append(f"schedule fired {dispatch_lag_p99_ms:.1f} ms late (p99)")
    if cpu_percent > MAX_CPU_PERCENT * processes:
        reasons.append(f"driver used {cpu_percent:.0f}% CPU over {processes} process(es)")
    kept_up = not reasons
    if saturated:
        # Not the generator's failing: a slow server holds every worker. Their wait is in
        # the latency (counted from the intended start), and said here.
        reasons.append(f"{saturated} operations waited for a free worker")
    return GeneratorHealth(mode, intended_rate, issued_rate, achieved_rate,
                           dispatch_lag_p99_ms, start_delay_p99_ms, saturated, cpu_percent,
                           kept_up=kept_up, reason="; ".join(reasons))
