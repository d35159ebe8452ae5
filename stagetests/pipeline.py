"""``stagetests run`` and ``stagetests report``: notebooks in, a run folder and reports out."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from stagetests.check import check_endpoints
from stagetests.console import say, step
from stagetests.errors import ServiceUnreachableError
from stagetests.registry import suite_named
from stagetests.report.html import export_html
from stagetests.report.index import write_index
from stagetests.results import Run, RunStore
from stagetests.runner import execute, notebook_for, resolve_parameters
from stagetests.settings import Settings

__all__ = ["render", "rerender", "run_suites"]

EXIT = {"pass": 0, "fail": 1, "error": 1, "infra": 3}


def _git_revision() -> str:
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"],
                            capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def render(run: Run, suite: str) -> dict[str, Any]:
    """Export ``<suite>.ipynb`` of ``run`` to ``<suite>.html``; size and time taken."""
    started = time.monotonic()
    size = export_html(run.folder / f"{suite}.ipynb", run.folder / f"{suite}.html")
    return {"html": f"{suite}.html", "html_bytes": size,
            "render_s": round(time.monotonic() - started, 2)}


def rerender(store: RunStore, run_id: str) -> dict[str, dict[str, Any]]:
    """``stagetests report``: every suite's HTML again from its stored notebook, and the
    index; returns the suites re-rendered with their size and render time."""
    run = store.open(run_id)
    results = run.meta().get("suite_results") or {}
    done = {suite: {**info, **render(run, suite)} for suite, info in results.items()
            if (run.folder / f"{suite}.ipynb").exists()}
    run.update(suite_results={**results, **done})
    write_index(store)
    return done


def _verdict(run: Run, outcomes: dict[str, dict[str, Any]]) -> str:
    statuses = {o["status"] for o in outcomes.values()}
    if "dead" in statuses or "unreachable" in statuses:
        return "infra"
    if statuses & {"failed", "not run"}:
        return "error"
    return "fail" if (run.metrics()["verdict"] == "fail").any() else "pass"


def run_suites(settings: Settings, suite: str, given: dict[str, str], store: RunStore,
               timeout_s: float, verbose: bool) -> int:
    """Execute the suite notebooks one at a time into a new run; returns the exit code."""
    suites = list(suite_named(suite).notebooks)
    notebooks = {s: notebook_for(s) for s in suites}
    # Refuse bad parameters before anything runs or any folder is made.
    parameters = {s: resolve_parameters(nb, given) for s, nb in notebooks.items()
                  if nb.exists()}
    probes = check_endpoints(settings, suite)
    versions = sorted({p.version for p in probes if p.reachable and p.version})
    run = store.create(settings.profile, suites, given, git=_git_revision(), versions=versions)
    say(f"run {run.run_id}: {run.folder}")
    outcomes: dict[str, dict[str, Any]] = {}
    unreachable = [p for p in probes if not p.reachable]
    try:
        for name in suites:
            notebook, started = notebooks[name], time.monotonic()
            if unreachable:
                first = unreachable[0]
                outcomes[name] = {"status": "unreachable",
                                  "error": f"{first.name}: {first.error}"[:300]}
            elif not notebook.exists():
                outcomes[name] = {"status": "not run", "error": f"no notebook {notebook}"}
            else:
                with step(f"{name}: executing {notebook.name}"):
                    done = execute(notebook, run.folder / f"{name}.ipynb", {
                        **parameters[name], "profile": settings.profile_source,
                        "run_dir": str(run.folder.resolve()), "suite": name}, timeout_s, verbose)
                outcomes[name] = {"status": done.status, "error": done.error,
                                  "duration_s": round(time.monotonic() - started, 1)}
            if (run.folder / f"{name}.ipynb").exists():
                outcomes[name].update(render(run, name))
            run.update(suite_results=outcomes)
            if outcomes[name]["error"]:
                say(f"   {name}: {outcomes[name]['status']}: {outcomes[name]['error']}")
    except KeyboardInterrupt:
        run.update(suite_results=outcomes, status="interrupted", verdict="interrupted",
                   ended_at=time.time())
        write_index(store)
        raise
    verdict = _verdict(run, outcomes)
    complete = all(o["status"] == "ok" for o in outcomes.values())
    run.update(suite_results=outcomes, status="complete" if complete else "partial",
               verdict=verdict, ended_at=time.time())
    index = write_index(store)
    say(f"run {run.run_id}: {verdict} ({'complete' if complete else 'partial'}); {index}")
    if unreachable:
        raise ServiceUnreachableError(outcomes[suites[0]]["error"])
    return EXIT[verdict]
