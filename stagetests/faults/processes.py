"""Process faults on sandbox servers: kill (crash), stop (freeze) and a graceful restart."""

from __future__ import annotations

import contextlib
import os
import signal

from stagetests.errors import SandboxError
from stagetests.faults.base import Fault
from stagetests.faults.targets import ServerTarget
from stagetests.sandbox.processes import process_start_time, process_tree
from stagetests.sandbox.topology import SandboxServer
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.settings import Settings

__all__ = ["Kill", "Restart", "Stop"]


def _whole_server(server: SandboxServer) -> list[int]:
    """The server's process, what it re-parented (Patroni's postmaster) and all their children:
    a crash or a freeze of the machine the server would run on."""
    pid = server.process.require_running()
    return process_tree([pid, *server.companions()])


def _signal_all(pids: list[int], signum: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _start_and_wait(server: SandboxServer, settings: Settings) -> None:
    server.process.start()
    WaitStrategy.on_servers(server.name, settings.sandbox.start_timeout_s).until(
        server.role, "answering")


class _ServerFault(Fault):
    def __init__(self, target: ServerTarget) -> None:
        self.target = target
        self.server: SandboxServer | None = None
        self.pids: list[int] = []

    def _hit(self, settings: Settings) -> SandboxServer:
        self.server = self.target.resolve(settings)
        self.pids = _whole_server(self.server)
        return self.server

    def _label(self) -> str:
        assert self.server is not None
        if self.server.name == self.target.description:
            return self.server.name
        return f"{self.server.name} ({self.target.description})"


class Kill(_ServerFault):
    """SIGKILL the server and everything it runs; reverted by starting it again."""

    kind = "kill"

    def apply(self, settings: Settings) -> str:
        self._hit(settings)
        started = {pid: process_start_time(pid) for pid in self.pids}
        self.strike()
        _signal_all(self.pids, signal.SIGKILL)
        WaitStrategy("kill", timeout_s=10).until(
            lambda: all(process_start_time(p) != t for p, t in started.items()), "gone")
        return self._label()

    def revert(self, settings: Settings) -> str:
        assert self.server is not None
        _start_and_wait(self.server, settings)
        return "restarted"


class Stop(_ServerFault):
    """SIGSTOP the server and its children (a frozen machine); reverted by SIGCONT."""

    kind = "stop"

    def apply(self, settings: Settings) -> str:
        self._hit(settings)
        self.strike()
        _signal_all(self.pids, signal.SIGSTOP)
        return self._label()

    def revert(self, settings: Settings) -> str:
        _signal_all(self.pids, signal.SIGCONT)
        return "resumed"


class Restart(_ServerFault):
    """A graceful stop (SIGTERM, SIGKILL after the grace period), reverted by a start."""

    kind = "restart"

    def apply(self, settings: Settings) -> str:
        server = self._hit(settings)
        self.strike()
        server.process.stop(settings.sandbox.stop_grace_s)
        if any(process_start_time(pid) is not None for pid in self.pids[:1]):
            raise SandboxError(f"{server.name} did not stop")
        return self._label()

    def revert(self, settings: Settings) -> str:
        assert self.server is not None
        _start_and_wait(self.server, settings)
        return "started again"
