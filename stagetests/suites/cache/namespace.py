"""The cache suite's test data: every key under ``st:<run>:``, removed at the end (and when
the kernel exits after a failed cell), keys of crashed earlier runs swept."""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field

from stagetests.scenarios.namespace import orphan_age_s, record_cleanup, run_token
from stagetests.services.redis import RedisService
from stagetests.services.redis_clients import RedisClient
from stagetests.session import SuiteSession
from stagetests.settings import Endpoint

__all__ = ["RedisNamespace"]

PREFIX = "st:"
_BATCH = 500


@dataclass
class RedisNamespace:
    """This run's keys on the Sentinel group's master and on every cluster master."""

    session: SuiteSession
    created: int = 0  # keys the scenarios say they wrote (``wrote``)
    removed: int = 0
    swept: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"{PREFIX}{run_token(self.session.run.run_id)}:"

    @property
    def service(self) -> RedisService:
        return RedisService(self.session.settings.redis)

    def key(self, *parts: object) -> str:
        """A key of this run: ``st:<run>:<part>:<part>...``."""
        return self.prefix + ":".join(str(p) for p in parts)

    def wrote(self, keys: int) -> None:
        """Count keys a scenario created (for the cleanup table)."""
        self.created += keys

    def open(self) -> RedisNamespace:
        atexit.register(self.drop)
        return self

    def _holders(self) -> list[Endpoint]:
        """Where keys live: the master the Sentinels name and every cluster master."""
        redis, service = self.session.settings.redis, self.service
        held = []
        if redis.sentinels:
            master = service.sentinel_master(redis.sentinels[0])
            held += [master] if master is not None else []
        elif redis.nodes:
            held.append(redis.nodes[0])
        return held + service.cluster_masters()

    def _delete(self, pattern: str) -> int:
        deleted = 0
        for node in self._holders():
            client = self.service.client(node)
            try:
                batch: list[str] = []
                for key in client.scan(pattern):
                    batch.append(key)
                    if len(batch) >= _BATCH:
                        deleted += self._unlink(client, batch)
                        batch = []
                if batch:
                    deleted += self._unlink(client, batch)
            finally:
                client.close()
        return deleted

    @staticmethod
    def _unlink(client: RedisClient, keys: list[str]) -> int:
        """One UNLINK per key, pipelined: a cluster node refuses one UNLINK of keys in
        different slots (CROSSSLOT)."""
        return sum(int(n) for n in client.pipeline([("UNLINK", key) for key in keys]))

    def count(self, pattern: str = "") -> int:
        """Keys of this run (or matching ``pattern``) that exist now, on every holder."""
        total = 0
        for node in self._holders():
            client = self.service.client(node)
            try:
                total += sum(1 for _ in client.scan(pattern or self.prefix + "*"))
            finally:
                client.close()
        return total

    def drop(self) -> int:
        """Delete every key of this run; returns how many there were."""
        removed = self._delete(self.prefix + "*")
        self.removed += removed
        atexit.unregister(self.drop)
        return removed

    def sweep_orphans(self, older_than_s: float) -> list[str]:
        """Delete the keys of earlier runs (crashed, killed) older than ``older_than_s``."""
        runs = set()
        for node in self._holders():
            client = self.service.client(node)
            try:
                runs |= {":".join(k.split(":")[:2]) for k in client.scan(PREFIX + "*")}
            finally:
                client.close()
        current = run_token(self.session.run.run_id)
        old = sorted(run for run in runs
                     if (age := orphan_age_s(run, current)) is not None and age > older_than_s)
        for run in old:
            self._delete(run + ":*")
        self.swept += old
        return old

    def finish(self) -> dict[str, int]:
        """Delete this run's keys and judge the cleanup: no key may be left over."""
        self.drop()
        left = self.count()
        return {**record_cleanup(self.session, max(self.created, self.removed), left,
                                 len(self.swept), "keys", "runs"), "removed": self.removed}
