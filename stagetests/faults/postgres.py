"""A PostgreSQL-only fault: the leader's postmaster dies while its Patroni lives on."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from stagetests.errors import ServiceError
from stagetests.faults.base import Fault
from stagetests.faults.targets import patroni_leader
from stagetests.sandbox.topology import SandboxServer
from stagetests.services.patroni import PatroniApi
from stagetests.settings import Settings

__all__ = ["PatroniKill", "PostmasterKill"]


class PostmasterKill(Fault):
    """SIGKILL the leader's postmaster. With ``primary_start_timeout`` 0 (set for the fault's
    duration through Patroni's dynamic config, restored on revert) Patroni fails over instead
    of restarting postgres in place; ``None`` keeps the cluster's own setting."""

    kind = "postmaster kill"

    def __init__(self, primary_start_timeout: int | None = 0) -> None:
        self.timeout = primary_start_timeout
        self.previous: Any = None

    def apply(self, settings: Settings) -> str:
        api = PatroniApi(settings.postgres.patroni_api)
        if self.timeout is not None:
            self.previous = api.config().get("primary_start_timeout", 300)
            api.patch_config({"primary_start_timeout": self.timeout})
            # Each Patroni reads the change on its next cycle; nothing reports having done so.
            time.sleep(settings.sandbox.patroni_loop_wait + 1)
        server = patroni_leader().resolve(settings)
        postmasters = server.companions()
        if not postmasters:
            raise ServiceError(f"{server.name}: no running postmaster to kill")
        self.strike()
        for pid in postmasters:
            os.kill(pid, signal.SIGKILL)
        return f"{server.name} postmaster (primary_start_timeout {self.timeout})"

    def revert(self, settings: Settings) -> str:
        if self.timeout is None:
            return "Patroni restarts postgres itself"
        PatroniApi(settings.postgres.patroni_api).patch_config(
            {"primary_start_timeout": self.previous})
        return f"primary_start_timeout back to {self.previous}"


class PatroniKill(Fault):
    """SIGKILL only the leader's Patroni; its postgres runs on as a primary. Without a
    watchdog nothing fences it, so after the leader key expires two primaries accept
    writes (a split brain). Reverted by starting Patroni again, which demotes and rewinds
    the old primary: what it accepted alone is gone."""

    kind = "patroni kill (split brain)"

    def __init__(self) -> None:
        self.server: SandboxServer | None = None

    def apply(self, settings: Settings) -> str:
        self.server = patroni_leader().resolve(settings)
        pid = self.server.process.require_running()
        self.strike()
        os.kill(pid, signal.SIGKILL)
        return f"{self.server.name} Patroni only"

    def revert(self, settings: Settings) -> str:
        assert self.server is not None
        self.server.process.start()
        return "Patroni started again"
