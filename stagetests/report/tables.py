"""Report tables: thresholds with verdicts, and KPIs against the previous run."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from stagetests.results import Run, RunStore

__all__ = ["HtmlTable", "Verdict", "failover_table", "health_table", "kpi_table", "rows_table",
           "threshold_table", "verdict"]


class HtmlTable:
    """A table that renders as plain HTML in a notebook and in the exported report."""

    def __init__(self, frame: pd.DataFrame, classes: dict[str, str] | None = None) -> None:
        self.frame = frame
        self.classes = classes or {}  # column -> CSS class prefix for its values

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.frame.columns)
        body = []
        for _, row in self.frame.iterrows():
            cells = []
            for column, value in row.items():
                text = _format(value)
                prefix = self.classes.get(str(column))
                css = f' class="{prefix}-{text.replace(" ", "-")}"' if prefix else ""
                cells.append(f"<td{css}>{html.escape(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def threshold_table(run: Run, suite: str | None = None) -> HtmlTable:
    """Every figure of the run (of ``suite``): measured, threshold, verdict."""
    metrics = run.metrics()
    if suite is not None:
        metrics = metrics[metrics["suite"] == suite]
    limit = metrics["limit"].map({"max": "≤", "min": "≥"}).fillna("")
    shown = pd.DataFrame({
        "scenario": metrics["scenario"], "metric": metrics["metric"],
        "measured": metrics["value"], "unit": metrics["unit"],
        "threshold": [f"{s} {_format(t)}" if t == t and t is not None else "-"
                      for s, t in zip(limit, metrics["threshold"], strict=True)],
        "verdict": metrics["verdict"], "note": metrics["note"].astype(object).fillna(""),
    })
    return HtmlTable(shown, {"verdict": "verdict"})


def kpi_table(store: RunStore, run: Run, suite: str) -> HtmlTable:
    """This run's figures next to the previous run of the same profile, with the change."""
    meta = run.meta()
    history = store.history(meta.get("profile"))
    earlier = history[(history["started_at"] < meta["started_at"])
                      & (history["suite"] == suite)]
    previous_id = earlier["run_id"].iloc[-1] if len(earlier) else None
    now = run.metrics()
    now = now[now["suite"] == suite]
    before = earlier[earlier["run_id"] == previous_id] if previous_id else earlier.iloc[0:0]
    merged = now.merge(before[["scenario", "metric", "value"]], on=["scenario", "metric"],
                       how="left", suffixes=("", "_previous"))
    change = (merged["value"] - merged["value_previous"]) / merged["value_previous"] * 100
    shown = pd.DataFrame({
        "scenario": merged["scenario"], "metric": merged["metric"],
        "this run": merged["value"], "previous": merged["value_previous"],
        "change %": change.round(1), "unit": merged["unit"]})
    return HtmlTable(shown)


def failover_table(outcomes: list[Any]) -> HtmlTable:
    """One row per fault, path and repetition: outage, errors, ledger, recovery."""
    return HtmlTable(pd.DataFrame([{
        "fault": o.fault.kind + (f" ({o.fault.target})" if o.fault.target else ""),
        "path": o.path,
        "outage s": o.window.duration_s, "budget s": o.budget_s,
        "failed writes": o.window.failed,
        "errors": ", ".join(f"{k} {v}" for k, v in sorted(o.window.errors.items())) or "-",
        "acknowledged": o.ledger.acknowledged, "lost": o.ledger.lost,
        "duplicated": o.ledger.duplicated, "recovery s": o.recovery_s,
    } for o in outcomes]))


def rows_table(rows: list[dict[str, Any]]) -> HtmlTable:
    """Plain rows (a pool curve, a pgbench comparison) as a table."""
    return HtmlTable(pd.DataFrame(rows))


class Verdict:
    """The suite's overall verdict as a banner: pass only when no check failed."""

    def __init__(self, metrics: pd.DataFrame) -> None:
        counts = metrics["verdict"].value_counts().to_dict()
        self.failed = metrics[metrics["verdict"] == "fail"]
        self.passed = not len(self.failed) and not counts.get("not run", 0)
        self.counts = counts

    def _repr_html_(self) -> str:
        word, css = ("PASS", "verdict-pass") if self.passed else ("FAIL", "verdict-fail")
        c = self.counts
        summary = (f"{c.get('pass', 0)} checks passed, {c.get('fail', 0)} failed, "
                   f"{c.get('not run', 0)} not run, {c.get('info', 0)} figures shown")
        failures = "".join(f"<li>{html.escape(f'{r.scenario}: {r.metric} = {_format(r.value)}')}"
                           f"</li>" for r in self.failed.itertuples())
        return (f'<p style="font-size:1.4em"><span class="{css}">{word}</span> · '
                f"{html.escape(summary)}</p>" + (f"<ul>{failures}</ul>" if failures else ""))


def verdict(run: Run, suite: str) -> Verdict:
    metrics = run.metrics()
    return Verdict(metrics[metrics["suite"] == suite])


def health_table(healthy: list[Any], degraded: list[Any]) -> HtmlTable:
    """Each probe's latency and verdict, and what it said with a replica stopped."""
    return HtmlTable(pd.DataFrame([
        {"probe": h.name, "p50 ms": h.p50_ms, "p99 ms": h.p99_ms, "healthy": h.healthy,
         "with a replica stopped": d.reason or "healthy"}
        for h, d in zip(healthy, degraded, strict=True)]))
