"""The sandbox's state directory (configs, data, logs, pids) and its ports."""

from __future__ import annotations

import errno
import os
import pwd
import shutil
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stagetests.errors import PortInUseError, SandboxError
from stagetests.sandbox.processes import ManagedProcess

__all__ = ["SandboxState", "ensure_port_free", "port_is_free"]


@dataclass(frozen=True)
class SandboxState:
    """Paths under the state directory, one folder per topology."""

    root: Path

    def topology_dir(self, topology: str) -> Path:
        return self.root / topology

    def pid_file(self, server: str) -> Path:
        return self.root / "pids" / f"{server}.pid"

    def log_file(self, server: str) -> Path:
        return self.root / "logs" / f"{server}.log"

    def process(self, name: str, argv: Sequence[str], run_as: str | None = None,
                env: dict[str, str] | None = None) -> ManagedProcess:
        """Server ``name``, logging to ``logs/<name>.log``, remembered in ``pids/<name>.pid``."""
        return ManagedProcess(name, argv, self.log_file(name), self.pid_file(name),
                              run_as=run_as, env=env or {})

    def fresh_dir(self, topology: str, owner: str | None = None) -> Path:
        """Empty the topology's folder (data of an earlier sandbox) and hand it to ``owner``."""
        path = self.topology_dir(topology)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        # Servers running as another user need to walk down to their data and log files.
        for folder in (self.root, self.root / "logs", self.root / "pids"):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)
        if owner:
            chown_tree(path, owner)
        return path


def chown_tree(path: Path, owner: str) -> None:
    """Give ``path`` and everything below it to the user ``owner``."""
    try:
        account = pwd.getpwnam(owner)
    except KeyError as exc:
        raise SandboxError(
            f"user {owner!r} does not exist; run 'stagetests sandbox install'"
        ) from exc
    for folder, _dirs, files in os.walk(path):
        os.chown(folder, account.pw_uid, account.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), account.pw_uid, account.pw_gid)


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on ``host:port`` (a bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def ensure_port_free(port: int, server: str, host: str = "127.0.0.1") -> None:
    """Raise ``PortInUseError`` naming the port when someone else listens on it."""
    if not port_is_free(host, port):
        raise PortInUseError(
            f"port {port} is already in use by a process the sandbox did not start "
            f"(needed by {server}); stop it or change the profile"
        )
