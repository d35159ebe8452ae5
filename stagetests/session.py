"""What a suite notebook opens first: settings, its run folder and a fault injector."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from stagetests.faults import FaultInjector
from stagetests.measure.histogram import percentile_distribution
from stagetests.measure.load import LoadResult
from stagetests.profiles import load_settings
from stagetests.results import Run, RunStore, default_reports_dir
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

    def record_latency(self, scenario: str, result: LoadResult) -> Path | None:
        """The run's latency histogram of ``scenario`` as ``histograms/<suite>-<scenario>.hgrm``
        (latency from the intended start; none when nothing completed)."""
        total = result.latency.total()
        if total.get_total_count() == 0:
            return None
        name = re.sub(r"[^a-z0-9]+", "-", f"{self.suite} {scenario}".lower()).strip("-")
        taken = {p.stem for p in (self.run.folder / "histograms").glob("*.hgrm")}
        unique, count = name, 1
        while unique in taken:  # a repetition of the scenario
            count += 1
            unique = f"{name}-{count}"
        return self.run.add_histogram(unique, percentile_distribution(total))

    def repetitions(self, count: int) -> int:
        """``count``, or the profile's ``run.repetitions`` when 0."""
        return count or self.settings.run.repetitions


def open_session(profile: str, run_dir: str, suite: str) -> SuiteSession:
    """The session ``stagetests run`` prepared (``run_dir``), or, for a notebook opened by
    hand (``run_dir`` empty), a new run in ``default_reports_dir()`` (the CLI's folder)."""
    settings = load_settings(profile or None)
    if run_dir:
        run = Run(Path(run_dir))
    else:
        store = RunStore(default_reports_dir())
        run = store.create(settings.profile, [suite], {}, interactive=True)
    return SuiteSession(settings, run, suite, FaultInjector(settings))
