"""Servers the sandbox starts: detached, logging to files, remembered by pid, stopped by pid."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stagetests.errors import SandboxError

__all__ = ["ManagedProcess", "proc_stat", "process_start_time", "process_tree", "stop_pid",
           "stop_pids"]


def proc_stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (state first), or None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may contain spaces and parentheses; fields resume after the last ')'.
    return stat[stat.rindex(")") + 2 :].split()


def process_start_time(pid: int) -> int | None:
    """The kernel's start time of ``pid`` in clock ticks, or None when it is gone or a zombie.

    Stored next to the pid, it tells our server from an unrelated process that reused the pid.
    """
    fields = proc_stat(pid)
    if fields is None:
        return None
    if fields[0] in {"Z", "X"}:
        _reap(pid)
        return None
    return int(fields[19])


def process_tree(roots: Iterable[int]) -> list[int]:
    """``roots`` and all their live descendants."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        fields = proc_stat(int(proc.name)) if proc.name.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(proc.name))
    seen: list[int] = []
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.append(pid)
            todo += children.get(pid, [])
    return seen


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@dataclass
class ManagedProcess:
    """One server process: its command, its log file and the pid file that proves we own it."""

    name: str
    argv: Sequence[str]
    log_file: Path
    pid_file: Path
    run_as: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> int:
        """Start the server in its own session, output appended to its log file."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        environment.update(self.env)
        with self.log_file.open("ab") as log:
            try:
                child = subprocess.Popen(
                    list(self.argv), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True, env=environment,
                    user=self.run_as, group=self.run_as,
                    extra_groups=[] if self.run_as else None,
                )
            except OSError as exc:
                raise SandboxError(f"cannot start {self.name} ({self.argv[0]}): {exc}") from exc
        # Detached on purpose: owned through the pid file and reaped in process_start_time,
        # so Popen must neither warn about a live child nor collect it later.
        child.returncode = 0
        started = process_start_time(child.pid)
        self.pid_file.write_text(f"{child.pid} {started}\n")
        return child.pid

    def pid(self) -> int | None:
        """The pid of our running server, or None when it is not running."""
        try:
            pid_text, start_text = self.pid_file.read_text().split()
        except (OSError, ValueError):
            return None
        pid = int(pid_text)
        started = process_start_time(pid)
        return pid if started is not None and str(started) == start_text else None

    def require_running(self) -> int:
        """The pid, or a ``SandboxError`` quoting the end of the server's log."""
        pid = self.pid()
        if pid is None:
            raise SandboxError(f"{self.name} exited; log {self.log_file}: {self.log_tail()}")
        return pid

    def log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(line.strip() for line in text[-lines:]) or "(empty log)"

    def stop(self, grace_s: float) -> None:
        """SIGTERM, then SIGKILL after ``grace_s``; return once the process is gone."""
        stop_pid(self.pid(), grace_s)
        self.pid_file.unlink(missing_ok=True)


def stop_pid(pid: int | None, grace_s: float, first: signal.Signals = signal.SIGTERM) -> None:
    """Stop ``pid`` with ``first``, then SIGKILL after ``grace_s``; wait until it is gone."""
    stop_pids([] if pid is None else [pid], grace_s, first)


def stop_pids(pids: Sequence[int], grace_s: float,
              first: signal.Signals = signal.SIGTERM) -> None:
    """Signal all ``pids`` at once (servers that need each other to shut down cleanly, like
    KRaft voters, would otherwise wait for peers already gone), SIGKILL what outlives
    ``grace_s``; return once every one is gone."""
    alive = {pid: process_start_time(pid) for pid in pids}
    for signum, wait_s in ((first, grace_s), (signal.SIGKILL, 5.0)):
        for pid in list(alive):
            try:
                os.kill(pid, signum)
                if signum != signal.SIGKILL:
                    os.kill(pid, signal.SIGCONT)  # a stopped process acts on SIGTERM once resumed
            except ProcessLookupError:
                del alive[pid]
        deadline = time.monotonic() + wait_s
        while alive and time.monotonic() < deadline:
            alive = {pid: t for pid, t in alive.items() if process_start_time(pid) == t}
            if alive:
                time.sleep(0.05)
        if not alive:
            return
    raise SandboxError(f"processes {sorted(alive)} survived SIGKILL")
