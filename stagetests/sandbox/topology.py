"""What every sandbox topology is made of: servers with a port, a process and a live role."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass

from stagetests.console import say
from stagetests.errors import InfrastructureError, ServiceError
from stagetests.sandbox.memory import tree_pss_mib
from stagetests.sandbox.processes import ManagedProcess, stop_pids
from stagetests.sandbox.state import SandboxState, ensure_port_free
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.settings import Settings

__all__ = ["SandboxServer", "ServerStatus", "Topology"]


@dataclass
class SandboxServer:
    """One server of a topology: what it listens on, its process, how to ask its role."""

    name: str
    port: int
    process: ManagedProcess
    role: Callable[[], str]
    extra_ports: tuple[int, ...] = ()
    # Processes the server spawned outside its own tree (Patroni's postmaster is re-parented).
    companions: Callable[[], list[int]] = list


@dataclass(frozen=True)
class ServerStatus:
    """One row of ``stagetests sandbox status``."""

    topology: str
    service: str
    port: int
    role: str
    pid: int | None
    healthy: bool
    pss_mib: float


class Topology(abc.ABC):
    """A set of servers started, checked and stopped together."""

    name: str
    # Stop every server at the same moment instead of one by one in reverse start order.
    stop_together: bool = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = SandboxState(settings.sandbox.state_dir)

    @abc.abstractmethod
    def servers(self) -> list[SandboxServer]:
        """Every server of the topology, in start order."""

    @abc.abstractmethod
    def start_fresh(self) -> None:
        """Generate configs, wipe old data, start every server."""

    @abc.abstractmethod
    def wait_ready(self) -> None:
        """Return once the topology serves; ``NotReadyError`` otherwise."""

    def broken(self) -> str:
        """Why the running topology cannot serve again without a fresh start ("" if it can)."""
        return ""

    def stop_leftovers(self) -> None:
        """Stop processes our servers spawned that outlive them (none by default)."""
        return

    def wait(self, service: str) -> WaitStrategy:
        return WaitStrategy.on_servers(service, self.settings.sandbox.start_timeout_s)

    def running(self) -> list[SandboxServer]:
        return [server for server in self.servers() if server.process.pid() is not None]

    def up(self) -> bool:
        """Start the topology unless it already runs whole; True when it had to start it."""
        servers, running = self.servers(), self.running()
        broken = self.broken() if len(running) == len(servers) else ""
        if len(running) == len(servers) and not broken:
            self.wait_ready()
            return False
        if running:
            why = broken or f"{len(running)} of {len(servers)} servers running"
            say(f"   {self.name}: {why}; restarting")
            self.down()
        for server in servers:
            for port in (server.port, *server.extra_ports):
                ensure_port_free(port, server.name)
        self.start_fresh()
        self.wait_ready()
        return True

    def down(self) -> None:
        """Stop every server in reverse start order, then whatever they left behind."""
        grace = self.settings.sandbox.stop_grace_s
        if self.stop_together:
            stop_pids([pid for s in self.running() if (pid := s.process.pid()) is not None],
                      grace)
        # Stops whatever still runs, one by one, and forgets every pid file.
        for server in reversed(self.servers()):
            server.process.stop(grace)
        self.stop_leftovers()

    def status(self) -> list[ServerStatus]:
        rows = []
        for server in self.servers():
            pid = server.process.pid()
            role, healthy = "-", False
            if pid is not None:
                try:
                    role, healthy = server.role(), True
                except (InfrastructureError, ServiceError) as exc:
                    role = f"unhealthy: {str(exc)[:60]}"
            roots = [pid, *server.companions()] if pid is not None else []
            rows.append(ServerStatus(self.name, server.name, server.port, role, pid, healthy,
                                     tree_pss_mib(roots)))
        return rows
