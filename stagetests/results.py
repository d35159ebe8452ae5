"""The run store: ``reports/<run-id>/`` with run.json, metrics, interval series, histograms.

Every file is written whole to a temporary name and renamed into place, so a crash in the
middle of a write leaves the previous version (and every earlier run) readable.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stagetests.console import say
from stagetests.errors import ConfigError

__all__ = ["METRIC_COLUMNS", "Run", "RunStore", "default_reports_dir", "verdict",
           "write_atomic"]

METRIC_COLUMNS = ("suite", "scenario", "metric", "value", "unit", "threshold", "limit",
                  "verdict", "note")
RUN_FILE, METRICS_FILE, INTERVALS_FILE = "run.json", "metrics.csv", "intervals.csv"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; reports are for sharing
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def verdict(value: float | None, threshold: float | None, limit: str) -> str:
    """``pass``/``fail`` against a ``max`` or ``min`` threshold; ``info`` without one;
    ``not run`` when nothing was measured."""
    if value is None or value != value:  # None or NaN
        return "not run"
    if threshold is None:
        return "info"
    ok = value <= threshold if limit == "max" else value >= threshold
    return "pass" if ok else "fail"


def _blank(value: Any) -> Any:
    """None and NaN as an empty CSV field (pandas reads it back as missing)."""
    return "" if value is None or (isinstance(value, float) and value != value) else value


def _csv(rows: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: _blank(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def default_reports_dir() -> Path:
    """``$STAGETESTS_REPORTS_DIR``, else ``reports/`` of the project the working directory is
    in (a JupyterLab kernel starts in ``notebooks/``: its runs belong beside the CLI's), else
    ``./reports``."""
    configured = os.environ.get("STAGETESTS_REPORTS_DIR")
    if configured:
        return Path(configured)
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "notebooks").is_dir() and (folder / "profiles").is_dir():
            return folder / "reports"
    return here / "reports"


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__


@dataclass
class Run:
    """One run folder; metrics and intervals are appended and rewritten atomically."""

    folder: Path

    @property
    def run_id(self) -> str:
        return self.folder.name

    def meta(self) -> dict[str, Any]:
        path = self.folder / RUN_FILE
        try:
            found = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: not a readable run record ({_reason(exc)})") from exc
        if not isinstance(found, dict):
            raise ConfigError(f"{path}: not a readable run record (not a JSON object)")
        return found

    def update(self, **fields: Any) -> None:
        write_atomic(self.folder / RUN_FILE, json.dumps({**self.meta(), **fields}, indent=2,
                                                        default=str))

    def metrics(self) -> pd.DataFrame:
        path = self.folder / METRICS_FILE
        if not path.exists():
            return pd.DataFrame(columns=list(METRIC_COLUMNS))
        try:
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        except (OSError, ValueError) as exc:  # pandas' ParserError is a ValueError
            raise ConfigError(f"{path}: not a readable metrics table ({_reason(exc)})") from exc
        missing = [c for c in METRIC_COLUMNS if c not in frame.columns]
        if missing:
            raise ConfigError(f"{path}: not a readable metrics table (no column {missing[0]!r})")
        return frame

    def add_metric(self, suite: str, scenario: str, metric: str, value: float | None,
                   unit: str, threshold: float | None = None, limit: str = "max",
                   note: str = "") -> str:
        """Record one figure and judge it; returns the verdict."""
        if limit not in ("max", "min"):
            raise ConfigError(f"threshold limit {limit!r}: use 'max' or 'min'")
        row = {"suite": suite, "scenario": scenario, "metric": metric, "value": value,
               "unit": unit, "threshold": threshold, "limit": limit,
               "verdict": verdict(value, threshold, limit), "note": note}
        rows = [{str(k): v for k, v in old.items()} for old in self.metrics().to_dict("records")]
        rows.append(row)
        write_atomic(self.folder / METRICS_FILE, _csv(rows, METRIC_COLUMNS))
        return str(row["verdict"])

    def intervals(self) -> pd.DataFrame:
        path = self.folder / INTERVALS_FILE
        return pd.read_csv(path) if path.exists() else pd.DataFrame()

    def add_intervals(self, suite: str, scenario: str, series: str,
                      rows: list[dict[str, Any]]) -> None:
        """Per-interval rows (t_s, throughput, errors, percentiles) of one series."""
        tagged = [{"suite": suite, "scenario": scenario, "series": series, **r} for r in rows]
        frame = pd.concat([self.intervals(), pd.DataFrame(tagged)], ignore_index=True)
        write_atomic(self.folder / INTERVALS_FILE, frame.to_csv(index=False))

    def add_histogram(self, name: str, distribution: str) -> Path:
        """An ``.hgrm`` percentile distribution (HdrHistogram's text format)."""
        path = self.folder / "histograms" / f"{name}.hgrm"
        write_atomic(path, distribution)
        return path


@dataclass(frozen=True)
class RunStore:
    """All runs under ``root`` (``reports/`` by default)."""

    root: Path

    def create(self, profile: str, suites: list[str], parameters: Mapping[str, Any],
               **extra: Any) -> Run:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        folder = self.root / f"{stamp}-{secrets.token_hex(2)}"
        folder.mkdir(parents=True)
        write_atomic(folder / RUN_FILE, json.dumps({
            "id": folder.name, "started_at": time.time(), "ended_at": None,
            "profile": profile, "suites": suites, "parameters": dict(parameters),
            "status": "running", "verdict": None, **extra}, indent=2, default=str))
        return Run(folder)

    def open(self, run_id: str) -> Run:
        folder = self.root / run_id
        if not (folder / RUN_FILE).exists():
            raise ConfigError(f"no run {run_id!r} in {self.root}")
        return Run(folder)

    def runs(self) -> list[Run]:
        """Every readable run, oldest first."""
        found = []
        for path in sorted(self.root.glob(f"*/{RUN_FILE}")):
            try:
                Run(path.parent).meta()
            except ConfigError as exc:
                say(f"   skipped: {exc}")  # a broken folder never hides the rest
                continue
            found.append(Run(path.parent))
        return sorted(found, key=lambda run: run.meta().get("started_at") or 0)

    def history(self, profile: str | None = None) -> pd.DataFrame:
        """Metrics of every run (of ``profile``), with run id and start time, oldest first."""
        frames = []
        for run in self.runs():
            meta = run.meta()
            if profile is not None and meta.get("profile") != profile:
                continue
            try:
                frame = run.metrics()
            except ConfigError as exc:
                say(f"   skipped in the history: {exc}")
                continue
            frame.insert(0, "run_id", run.run_id)
            frame.insert(1, "started_at", meta.get("started_at"))
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["run_id", "started_at", *METRIC_COLUMNS])
        return pd.concat(frames, ignore_index=True)
