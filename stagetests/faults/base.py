"""The one interface of every fault: apply, revert, and a record of when each happened."""

from __future__ import annotations

import abc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from stagetests.errors import FaultRefusedError
from stagetests.settings import Settings

__all__ = ["Fault", "FaultInjector", "FaultRecord"]


@dataclass
class FaultRecord:
    """What was done to what, and when (wall-clock seconds, to line up with timelines)."""

    kind: str
    target: str
    started_at: float
    ended_at: float | None = None
    detail: str = ""

    @property
    def duration_s(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


class Fault(abc.ABC):
    """A reversible disturbance of the systems under test."""

    kind: str
    # When the fault actually struck, if ``apply`` first prepares (waits for a candidate,
    # changes a setting): the record's start, so outage windows are measured from it.
    struck_at: float | None = None

    def strike(self) -> None:
        self.struck_at = time.time()

    @abc.abstractmethod
    def apply(self, settings: Settings) -> str:
        """Inflict the fault; return what it hit (``patroni-n2 (the Patroni leader)``)."""

    @abc.abstractmethod
    def revert(self, settings: Settings) -> str:
        """Undo the fault; return a note on how (``restarted``, ``leader back on n2``)."""


class FaultInjector:
    """Applies faults to one profile's systems, if that profile allows it, and keeps records."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.records: list[FaultRecord] = []
        self._active: dict[int, Fault] = {}  # by id(record): records are mutable, unhashable

    def apply(self, fault: Fault) -> FaultRecord:
        if not self.settings.allow_destructive:
            raise FaultRefusedError(
                f"profile {self.settings.profile!r} does not allow faults "
                f"(allow_destructive: false); refusing to {fault.kind}")
        started = time.time()
        fault.struck_at = None
        target = fault.apply(self.settings)
        record = FaultRecord(fault.kind, target, fault.struck_at or started)
        self.records.append(record)
        self._active[id(record)] = fault
        return record

    def revert(self, record: FaultRecord) -> FaultRecord:
        fault = self._active.pop(id(record))
        record.detail = fault.revert(self.settings)
        record.ended_at = time.time()
        return record

    @contextmanager
    def active(self, fault: Fault) -> Iterator[FaultRecord]:
        """The fault for the duration of the block; reverted even when the block fails."""
        record = self.apply(fault)
        try:
            yield record
        finally:
            self.revert(record)

    def revert_all(self) -> None:
        """Revert every fault still active, newest first (cleanup after a failed run)."""
        for record in reversed(self.records):
            if id(record) in self._active:
                self.revert(record)
