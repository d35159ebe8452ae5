"""What a suite notebook opens first: settings, its run folder and a fault injector."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stagetests.faults import FaultInjector
from stagetests.profiles import load_settings
from stagetests.results import Run, RunStore
from stagetests.settings import Settings

__all__ = ["SuiteSession", "open_session"]


@dataclass
class SuiteSession:
    """One suite's share of a run."""

    settings: Settings
    run: Run
    suite: str
    faults: FaultInjector

    def duration(self, seconds: float) -> float:
        """``seconds``, or the profile's ``run.duration_s`` when 0 (smoke runs stay short)."""
        return seconds or self.settings.run.duration_s

    def repetitions(self, count: int) -> int:
        """``count``, or the profile's ``run.repetitions`` when 0."""
        return count or self.settings.run.repetitions


def open_session(profile: str, run_dir: str, suite: str) -> SuiteSession:
    """The session ``stagetests run`` prepared (``run_dir``), or, for a notebook opened by
    hand (``run_dir`` empty), a new run under ``$STAGETESTS_REPORTS_DIR`` or ``reports/``."""
    settings = load_settings(profile or None)
    if run_dir:
        run = Run(Path(run_dir))
    else:
        store = RunStore(Path(os.environ.get("STAGETESTS_REPORTS_DIR", "reports")))
        run = store.create(settings.profile, [suite], {}, interactive=True)
    return SuiteSession(settings, run, suite, FaultInjector(settings))
