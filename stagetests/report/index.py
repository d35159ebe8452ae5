"""``reports/index.html``: every run, newest first, with its suites, verdict and links."""

from __future__ import annotations

import html
import time
from pathlib import Path

from stagetests.console import say
from stagetests.errors import ConfigError
from stagetests.results import RunStore, write_atomic

__all__ = ["write_index"]

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; color: #1f2328; max-width: 1100px;
       margin: 0 auto; padding: 24px 32px; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d0d7de; padding: 6px 10px; text-align: left; }
th { background: #f6f8fa; }
.pass { color: #1a7f37; font-weight: 600; } .fail, .error, .infra { color: #cf222e;
font-weight: 600; } .running, .interrupted { color: #9a6700; font-weight: 600; }
"""


def _cell(text: object) -> str:
    return f"<td>{html.escape(str(text))}</td>"


def write_index(store: RunStore) -> Path:
    """Rewrite the index from the runs on disk (so it can never disagree with them)."""
    rows = []
    for run in reversed(store.runs()):
        meta = run.meta()
        started = meta.get("started_at")
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(started)) if started else "?"
        links = []
        for suite, info in (meta.get("suite_results") or {}).items():
            label = f"{suite} ({info.get('status', '?')})"
            if info.get("html"):
                links.append(f'<a href="{html.escape(run.run_id)}/{html.escape(info["html"])}">'
                             f"{html.escape(label)}</a>")
            else:
                links.append(html.escape(label))
        try:
            metrics = run.metrics()
            counts = metrics["verdict"].value_counts().to_dict() if len(metrics) else {}
        except ConfigError as exc:  # one damaged table never hides the other runs
            say(f"   index: {exc}")
            counts = {"damaged": 1}
        verdict = str(meta.get("verdict") or meta.get("status") or "?")
        rows.append(
            "<tr>" + _cell(run.run_id) + _cell(when + " UTC") + _cell(meta.get("profile", "?"))
            + f"<td>{', '.join(links) or '-'}</td>"
            + _cell(meta.get("status", "?"))
            + f'<td class="{html.escape(verdict)}">{html.escape(verdict)}</td>'
            + _cell("metrics damaged" if "damaged" in counts else
                    f"{counts.get('pass', 0)} pass, {counts.get('fail', 0)} fail, "
                    f"{counts.get('not run', 0)} not run")
            + _cell(meta.get("git", "")) + "</tr>")
    page = (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>stagetests runs</title><style>{STYLE}</style></head><body>"
        f"<h1>stagetests runs</h1><p>{len(rows)} runs in {html.escape(str(store.root))}</p>"
        "<table><thead><tr><th>run</th><th>started</th><th>profile</th><th>suites</th>"
        "<th>status</th><th>verdict</th><th>thresholds</th><th>git</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></body></html>\n")
    path = store.root / "index.html"
    write_atomic(path, page)
    return path
