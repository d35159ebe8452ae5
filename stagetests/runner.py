"""Suite notebooks: their declared parameters, and their headless execution by papermill."""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import papermill
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.exceptions import PapermillExecutionError

from stagetests.errors import ConfigError, UsageError

__all__ = ["KERNEL", "Execution", "execute", "notebook_for", "notebooks_dir",
           "resolve_parameters"]

KERNEL = "python3"  # ipykernel's own spec: the Python that runs stagetests
# What the runner always passes; a suite notebook declares them in its parameters cell.
INJECTED = ("profile", "run_dir", "suite")


class _LocalKernelManager(AsyncKernelManager):
    """A kernel reached over Unix sockets: local only, and no "running over TCP without
    encryption" warning on every run."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transport = "ipc"


def notebooks_dir() -> Path:
    configured = os.environ.get("STAGETESTS_NOTEBOOKS_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "notebooks"


def notebook_for(suite: str) -> Path:
    return notebooks_dir() / f"{suite}.ipynb"


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """Names and default values of the notebook's ``parameters`` cell."""
    try:
        found = papermill.inspect_notebook(str(notebook))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read notebook {notebook}: {exc}") from exc
    declared = {}
    for name, info in found.items():
        try:
            declared[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            declared[name] = info["default"]
    return declared


def _convert(name: str, text: str, default: Any) -> Any:
    """``text`` as the type of the parameter's default (papermill would only guess)."""
    value: Any = text
    if isinstance(default, bool):
        value = {"true": True, "yes": True, "1": True,
                 "false": False, "no": False, "0": False}.get(text.lower())
    elif isinstance(default, int | float | list | dict | tuple):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
    if default is not None and not isinstance(value, type(default)):
        raise UsageError(f"parameter {name}={text!r}: expected a {type(default).__name__} "
                         f"like its default {default!r}")
    return value


def resolve_parameters(notebook: Path, given: dict[str, str]) -> dict[str, Any]:
    """Check ``-p name=value`` against the notebook before running it (papermill would only
    warn about an unknown name) and type each value like its default."""
    declared = declared_parameters(notebook)
    resolved = {}
    for name, text in given.items():
        if name not in declared or name in INJECTED:
            allowed = ", ".join(n for n in declared if n not in INJECTED) or "none"
            raise UsageError(f"unknown parameter {name!r} for {notebook.name} "
                             f"(it takes: {allowed})")
        resolved[name] = _convert(name, text, declared[name])
    return resolved


@dataclass(frozen=True)
class Execution:
    """How a notebook run ended: ``ok``, ``failed`` (a cell raised or timed out) or
    ``dead`` (the kernel died or could not start)."""

    status: str
    error: str = ""


def execute(notebook: Path, output: Path, parameters: dict[str, Any], timeout_s: float,
            verbose: bool) -> Execution:
    """Run ``notebook`` into ``output``; the output is saved after every cell, so a failure
    leaves it with papermill's error banner."""
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name=KERNEL,
            progress_bar=not verbose and sys.stderr.isatty(), log_output=verbose,
            execution_timeout=int(timeout_s), start_timeout=60, cwd=str(notebook.parent),
            request_save_on_cell_execute=True, kernel_manager_class=_LocalKernelManager)
    except PapermillExecutionError as exc:
        return Execution("failed", f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"[:300])
    except CellTimeoutError as exc:
        return Execution("failed", f"a cell ran longer than {timeout_s:.0f}s: {exc}"[:300])
    except DeadKernelError as exc:
        return Execution("dead", f"the kernel died: {exc}"[:300])
    except RuntimeError as exc:  # jupyter_client: kernel did not start in time
        return Execution("dead", f"the kernel did not start: {exc}"[:300])
    return Execution("ok")
