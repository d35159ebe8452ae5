"""Cross-region cache synchronisation: canaries written on region A's master and looked for
on region B's replica, which replicates through a Toxiproxy link; and how the replica
resynchronises after a cut (a partial resync from the backlog, or a full one)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from stagetests.errors import ConfigError, NotReadyError
from stagetests.faults import LinkCut
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.services import redis_health
from stagetests.services.redis import RedisService
from stagetests.session import SuiteSession
from stagetests.suites.cache.namespace import RedisNamespace

__all__ = ["canary_paths", "resync_after_cut"]

LINK = "redis"
_RESYNCS = ("sync_full", "sync_partial_ok")


def _region_b(session: SuiteSession) -> RedisService:
    if session.settings.region_b.redis is None:
        raise ConfigError("region_b.redis: no region-B replica configured")
    return RedisService(session.settings.redis)


def canary_paths(session: SuiteSession, namespace: RedisNamespace
                 ) -> tuple[Callable[[str], object], Callable[[str], bool]]:
    """Write a canary key through the Sentinel-named master; look for it on region B (once
    its replica is linked: a failover before may have made it resynchronise)."""
    service = _region_b(session)
    replica_at = session.settings.region_b.redis
    assert replica_at is not None
    WaitStrategy.on_servers("region B replica", session.settings.sandbox.start_timeout_s).until(
        lambda: redis_health.replica_linked(service, replica_at), "linked")
    master = service.master_client()
    replica = service.client(replica_at)

    def write(marker: str) -> object:
        namespace.wrote(1)
        return master.execute("SET", namespace.key("sync", marker), "1", "EX", 3600)

    def visible(marker: str) -> bool:
        return bool(replica.execute("EXISTS", namespace.key("sync", marker)))

    return write, visible


def resync_after_cut(session: SuiteSession, namespace: RedisNamespace, cut_s: float,
                     payload_kib: int, backlog_bytes: int | None, max_s: float,
                     expect: str) -> dict[str, Any]:
    """Cut region B's link for ``cut_s`` while ``payload_kib`` KiB are written, heal it, and
    time the catch-up; the link's upstream node says whether the replica resynchronised
    from its backlog (partial) or from a snapshot (full). ``backlog_bytes`` shrinks that
    backlog for the cut (restored after) so the writes overflow it. ``expect``: "partial"
    or "full", judged."""
    service = _region_b(session)
    upstream = session.settings.redis.nodes[0]  # the link's far end (sandbox/links.py)
    master = service.master_client()
    before = {k: int(service.info(upstream, "stats")[k]) for k in _RESYNCS}
    saved = service.config_get(upstream, "repl-backlog-size")
    keys = [namespace.key("resync", f"{expect}-{i}") for i in range(payload_kib)]
    value = "x" * 1024
    try:
        if backlog_bytes is not None:
            service.command(upstream, "CONFIG", "SET", "repl-backlog-size", backlog_bytes)
        with session.faults.active(LinkCut(LINK, blackhole=False)):
            started = time.monotonic()
            for start in range(0, len(keys), 64):
                master.pipeline([("SET", k, value, "EX", 3600) for k in keys[start:start + 64]])
            namespace.wrote(len(keys))
            time.sleep(max(0.0, cut_s - (time.monotonic() - started)))  # the cut's length
        healed = time.monotonic()
        replica = service.client(session.settings.region_b.redis)  # type: ignore[arg-type]
        wait = WaitStrategy.on_servers("region B catch-up", max(60.0, 3 * max_s), 0.01)
        try:
            wait.until(lambda: bool(replica.execute("EXISTS", keys[-1])), "caught up")
            catch_up: float | None = time.monotonic() - healed
        except NotReadyError:
            catch_up = None
    finally:
        service.command(upstream, "CONFIG", "SET", "repl-backlog-size", saved)
    after = {k: int(service.info(upstream, "stats")[k]) for k in _RESYNCS}
    full, partial = (after[k] - before[k] for k in _RESYNCS)
    kind = "full" if full else "partial" if partial else "none"
    scenario = f"cross-region sync: {cut_s:g} s cut, {payload_kib} KiB written"
    backlog = f"backlog {backlog_bytes or int(saved)} bytes"
    add = session.run.add_metric
    add(session.suite, scenario, "catch-up", catch_up, "s", max_s, note=backlog)
    adverb = {"full": "fully", "partial": "partially"}.get(expect, expect)
    add(session.suite, scenario, f"resynchronised {adverb}", float(kind == expect), "bool",
        1.0, limit="min", note=f"{full} full, {partial} partial resyncs; {backlog}")
    return {"cut_s": cut_s, "written_kib": payload_kib, "backlog_bytes":
            backlog_bytes or int(saved), "resync": kind, "catch_up_s": catch_up}
