"""Managed processes and ports, with local child processes and loopback sockets only."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from stagetests.console import format_table
from stagetests.errors import PortInUseError, SandboxError
from stagetests.sandbox.processes import ManagedProcess, process_start_time
from stagetests.sandbox.state import ensure_port_free, port_is_free


def _sleeper(tmp_path: Path, code: str = "import time; time.sleep(60)") -> ManagedProcess:
    return ManagedProcess("sleeper", [sys.executable, "-c", code], tmp_path / "sleeper.log",
                          tmp_path / "sleeper.pid")


def test_start_then_stop_leaves_no_process(tmp_path: Path) -> None:
    process = _sleeper(tmp_path)
    pid = process.start()
    assert process.pid() == pid
    process.stop(grace_s=2)
    assert process.pid() is None
    assert process_start_time(pid) is None
    assert not process.pid_file.exists()


def test_a_term_ignoring_process_is_killed_after_the_grace(tmp_path: Path) -> None:
    code = ("import signal, time, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)")
    process = _sleeper(tmp_path, code)
    pid = process.start()
    while "ready" not in process.log_file.read_text():
        pass
    process.stop(grace_s=0.2)
    assert process_start_time(pid) is None


def test_a_reused_pid_is_not_ours(tmp_path: Path) -> None:
    process = _sleeper(tmp_path)
    pid = process.start()
    process.pid_file.write_text(f"{pid} 1\n")  # a different start time: someone else's pid
    assert process.pid() is None
    process.pid_file.write_text(f"{pid} {process_start_time(pid)}\n")
    process.stop(grace_s=2)


def test_an_exited_server_quotes_its_log(tmp_path: Path) -> None:
    process = _sleeper(tmp_path, "import sys; print('FATAL: bad config'); sys.exit(1)")
    process.start()
    with pytest.raises(SandboxError, match="FATAL: bad config"):
        while True:
            process.require_running()


def test_a_taken_port_is_named() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not port_is_free("127.0.0.1", port)
        with pytest.raises(PortInUseError, match=f"port {port} is already in use"):
            ensure_port_free(port, "redis-6379")


def test_format_table_aligns_columns() -> None:
    text = format_table(("a", "long header"), [(1, "x"), ("wide cell", None)])
    lines = text.splitlines()
    assert lines[0].index("long header") == lines[2].index("x")
    assert len(lines) == 4
