"""``sandbox down`` leaves no sandbox process and frees every port (runs last)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stagetests import cli
from stagetests.registry import topologies
from stagetests.sandbox.processes import process_start_time
from stagetests.sandbox.state import port_is_free
from stagetests.settings import Settings
from tests.fix_sandbox import external

pytestmark = [pytest.mark.sandbox, pytest.mark.sandbox_teardown]


def _processes_under(state_dir: Path) -> list[str]:
    """Command lines of live processes that mention the state dir (any user, any parent)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(state_dir) in cmdline and process_start_time(int(proc.name)) is not None:
            found.append(f"{proc.name}: {cmdline.strip()}")
    return found


@pytest.mark.skipif(external(), reason="the sandbox belongs to someone else")
def test_down_leaves_no_sandbox_process(
    database: object, cache: object, messaging: object, region_b: object, settings: Settings
) -> None:
    assert _processes_under(settings.sandbox.state_dir), "the sandbox should be running here"
    servers = [s for t in topologies(settings, "all") for s in t.servers()]
    pids = [pid for pid in (s.process.pid() for s in servers) if pid is not None]
    assert len(pids) == len(servers)
    assert cli.main(["sandbox", "down", "--suite", "all", "--profile", settings.profile]) == 0
    assert _processes_under(settings.sandbox.state_dir) == []
    assert _processes_under(settings.sandbox.cache_dir) == []  # no JVM or Toxiproxy left
    assert [pid for pid in pids if process_start_time(pid) is not None] == []
    for server in servers:
        assert server.process.pid() is None
        for port in (server.port, *server.extra_ports):
            assert port_is_free("127.0.0.1", port), f"{server.name} port {port}"
