"""Planned failovers through the systems' own managers: Patroni and Sentinel."""

from __future__ import annotations

from stagetests.errors import ServiceError
from stagetests.faults.base import Fault
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.services.patroni import PatroniApi
from stagetests.services.postgres import PostgresService
from stagetests.services.redis import RedisService
from stagetests.settings import Endpoint, Settings

__all__ = ["PatroniSwitchover", "SentinelFailover"]


def _wait(settings: Settings, what: str) -> WaitStrategy:
    return WaitStrategy.on_servers(what, settings.sandbox.start_timeout_s)


class PatroniSwitchover(Fault):
    """Patroni moves the leader to ``candidate`` (any healthy replica when None); reverted by
    switching back to the original leader."""

    kind = "patroni switchover"

    def __init__(self, candidate: str | None = None) -> None:
        self.candidate = candidate
        self.original = ""

    def apply(self, settings: Settings) -> str:
        api = PatroniApi(settings.postgres.patroni_api)
        leader = api.leader()
        if leader is None:
            raise ServiceError("patroni: no leader to switch over from")
        self.original = leader.name
        _wait(settings, "patroni").until(lambda: self._ready(api, self.candidate), "ready")
        new = self._switch(settings, self.original, self.candidate)
        return f"leader {self.original} -> {new}"

    def revert(self, settings: Settings) -> str:
        api = PatroniApi(settings.postgres.patroni_api)
        current = api.leader()
        if current is not None and current.name == self.original:
            return f"leader already {self.original}"
        # The old leader must replicate again before Patroni accepts it as a candidate.
        _wait(settings, "patroni").until(lambda: self._ready(api, self.original), "rejoined")
        self._switch(settings, current.name if current else "", self.original)
        return f"leader back on {self.original}"

    @staticmethod
    def _ready(api: PatroniApi, name: str | None) -> str | bool:
        """A replica Patroni would accept as candidate: running, its lag known."""
        ready = [m.name for m in api.members() if m.role != "leader"
                 and m.state in {"streaming", "running"} and m.lag_bytes is not None]
        if (name in ready) if name else bool(ready):
            return True
        return f"not yet: candidate {name or 'replica'} not ready (ready: {ready})"

    def _switch(self, settings: Settings, leader: str, candidate: str | None) -> str:
        api = PatroniApi(settings.postgres.patroni_api)
        self.strike()
        api.switchover(leader, candidate)

        def moved() -> str | bool:
            now = api.leader()
            if now is None or now.name == leader:
                return "not yet: leader unchanged"
            rows = PostgresService(settings.postgres).query("select pg_is_in_recovery()")
            return now.name if not rows[0][0] else "not yet: writer reaches a replica"

        return str(_wait(settings, "patroni switchover").until(moved, "switched over"))


class SentinelFailover(Fault):
    """``SENTINEL FAILOVER``: a replica is promoted without the master failing. Reverted by
    waiting until the old master is a linked replica again (Sentinel picks masters itself)."""

    kind = "sentinel failover"

    def __init__(self) -> None:
        self.original: Endpoint | None = None

    def apply(self, settings: Settings) -> str:
        service, sentinel = RedisService(settings.redis), settings.redis.sentinels[0]
        self.original = service.sentinel_master(sentinel)
        self.strike()
        service.command(sentinel, "SENTINEL FAILOVER", settings.redis.service_name)

        def promoted() -> str | bool:
            now = service.sentinel_master(sentinel)
            if now is None or now == self.original:
                return "not yet: master unchanged"
            role = service.info(now, "replication").get("role")
            return str(now) if role == "master" else f"not yet: {now} is {role}"

        new = _wait(settings, "sentinel failover").until(promoted, "failed over")
        return f"master {self.original} -> {new}"

    def revert(self, settings: Settings) -> str:
        service, old = RedisService(settings.redis), self.original
        assert old is not None

        def rejoined() -> str | bool:
            info = service.info(old, "replication")
            linked = info.get("role") == "slave" and info.get("master_link_status") == "up"
            return True if linked else f"not yet: {old} is {info.get('role')}"

        _wait(settings, "redis failover").until(rejoined, "rejoined")
        return f"{old} replicates from the new master"
