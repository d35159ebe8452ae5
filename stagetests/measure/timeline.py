"""Every client operation of a run in order, and the outage windows read from it."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Operation", "OutageWindow", "Timeline"]


@dataclass(frozen=True)
class Operation:
    """One attempt: when it should have started, started and ended (ns, one clock)."""

    intended_ns: int
    start_ns: int
    end_ns: int
    ok: bool
    error: str = ""  # the error's class name when not ok

    @property
    def latency_ns(self) -> int:
        """From the intended start: what a user waiting on a schedule experiences."""
        return self.end_ns - self.intended_ns


@dataclass(frozen=True)
class OutageWindow:
    """What clients saw around a fault starting at ``fault_ns``."""

    fault_ns: int
    last_ok_before_ns: int | None
    first_ok_after_ns: int | None
    failed: int
    errors: dict[str, int]

    @property
    def duration_s(self) -> float | None:
        """Last success before the fault to first success after it; None if none came."""
        if self.last_ok_before_ns is None or self.first_ok_after_ns is None:
            return None
        return (self.first_ok_after_ns - self.last_ok_before_ns) / 1e9


@dataclass
class Timeline:
    """Operations appended as they complete (from one or many workers)."""

    operations: list[Operation] = field(default_factory=list)

    def add(self, operation: Operation) -> None:
        self.operations.append(operation)

    def errors(self) -> dict[str, int]:
        return dict(Counter(op.error for op in self.operations if not op.ok))

    def outage(self, fault_ns: int) -> OutageWindow:
        """What clients saw of a fault that struck at ``fault_ns`` (it may bite later: a
        switchover demotes the leader a moment after the request).

        With failures after the strike: from the last success of an operation begun before
        the first failure, to the first success, in order of completion, begun after every
        failure seen so far had begun (an operation in flight, or begun before a failure,
        does not end the outage). Without failures: the longest wait between two
        successive successes from the strike on (writes that stalled instead of failing).
        """
        ops = sorted(self.operations, key=lambda op: op.end_ns)
        after = [op for op in ops if op.end_ns > fault_ns]
        first_failure = next((op for op in after if not op.ok), None)
        if first_failure is None:
            before = [op.end_ns for op in ops if op.ok and op.end_ns <= fault_ns][-1:]
            ends = before + [op.end_ns for op in after if op.ok]
            gaps = list(itertools.pairwise(ends))
            if not gaps:
                return OutageWindow(fault_ns, ends[0] if ends else None, None, 0, {})
            widest = max(gaps, key=lambda pair: pair[1] - pair[0])
            return OutageWindow(fault_ns, widest[0], widest[1], 0, {})
        last_ok = max((op.end_ns for op in ops
                       if op.ok and op.start_ns < first_failure.start_ns), default=None)
        failed: list[Operation] = []
        recovered: int | None = None
        for op in after[after.index(first_failure):]:
            if not op.ok:
                failed.append(op)
            elif op.start_ns >= max(f.start_ns for f in failed):
                recovered = op.end_ns
                break
        return OutageWindow(fault_ns, last_ok, recovered, len(failed),
                            dict(Counter(op.error for op in failed)))
