"""The cache suite's pieces for the generic failover: Sentinel faults, write paths, budgets.

Writes are RPUSHes of item numbers onto one list per path, through a client that asks the
Sentinels for the master. Two paths run through every fault: plain writes (acknowledged by
the master alone, so a failover may lose them: a finding) and writes confirmed by a replica
with ``WAIT 1 <ms>`` (a loss fails the check).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Hashable

from stagetests.faults import Fault, Kill, SentinelFailover, Stop, redis_master
from stagetests.scenarios.failover import FailoverOutcome, WritePath, failover, repeated
from stagetests.services import redis_health
from stagetests.services.redis import RedisService
from stagetests.session import SuiteSession
from stagetests.settings import Settings
from stagetests.suites.cache.namespace import RedisNamespace

__all__ = ["FAULTS", "failover_budget_s", "sentinel_failover", "sentinel_failovers",
           "write_paths"]

FAULTS = ("kill", "freeze", "sentinel failover")
PLAIN, REPLICATED = "plain writes", "WAIT 1"


def _fault(name: str) -> Fault:
    faults: dict[str, Callable[[], Fault]] = {
        "kill": lambda: Kill(redis_master()), "freeze": lambda: Stop(redis_master()),
        "sentinel failover": SentinelFailover}
    return faults[name]()


def failover_budget_s(settings: Settings, fault: str) -> float:
    """What Sentinel's settings allow: a dead or frozen master is suspected after
    down-after-milliseconds, and the whole failover must finish within the failover
    timeout; a requested failover skips the detection."""
    box = settings.sandbox
    timeout_s = box.sentinel_failover_timeout_ms / 1000
    if fault == "sentinel failover":
        return timeout_s
    return box.sentinel_down_after_ms / 1000 + timeout_s


def _writer(service: RedisService, key: str, wait_ms: int | None, timeout_s: float
            ) -> Callable[[int], object]:
    client = service.master_client(timeout_s)
    if wait_ms is None:
        return lambda item: client.execute("RPUSH", key, item)
    return lambda item: client.write_acknowledged(1, wait_ms, "RPUSH", key, item)


def _read_back(service: RedisService, name: str, key: str) -> list[tuple[Hashable, Hashable]]:
    client = service.master_client()
    try:
        return [(name, int(item)) for item in client.execute("LRANGE", key, 0, -1)]
    finally:
        client.close()


def write_paths(session: SuiteSession, namespace: RedisNamespace, tag: str, wait_ms: int,
                timeout_s: float) -> list[WritePath]:
    """Plain writes and replica-confirmed writes, each onto its own list of this run."""
    service = RedisService(session.settings.redis)
    paths = []
    for name, wait in ((PLAIN, None), (REPLICATED, wait_ms)):
        key = namespace.key("failover", tag, name.replace(" ", "-"))
        namespace.wrote(1)
        paths.append(WritePath(
            name, functools.partial(_writer, service, key, wait, timeout_s),
            functools.partial(_read_back, service, name, key),
            losses_expected=wait is None))
    return paths


def sentinel_failover(session: SuiteSession, namespace: RedisNamespace, fault: str,
                      rate_per_s: float, before_s: float, after_s: float,
                      outage_max_s: float, wait_ms: int = 100, client_timeout_s: float = 0.5
                      ) -> list[FailoverOutcome]:
    """One fault against the master, with writes on both paths; healed when the group is
    whole again (the old master a linked replica, every Sentinel agreeing)."""
    service = RedisService(session.settings.redis)
    tag = f"{fault.replace(' ', '-')}-{uuid.uuid4().hex[:6]}"
    return failover(session, f"sentinel failover: {fault}",
                    write_paths(session, namespace, tag, wait_ms, client_timeout_s),
                    _fault(fault), functools.partial(redis_health.serving, service),
                    rate_per_s=rate_per_s, before_s=before_s, after_s=after_s,
                    outage_max_s=outage_max_s,
                    budget_s=failover_budget_s(session.settings, fault))


def sentinel_failovers(session: SuiteSession, namespace: RedisNamespace, faults: list[str],
                       repetitions: int, rate_per_s: float, before_s: float, after_s: float,
                       outage_max_s: float, wait_ms: int = 100, client_timeout_s: float = 0.5
                       ) -> list[FailoverOutcome]:
    """Every fault ``repetitions`` times, the group whole again between them."""
    service = RedisService(session.settings.redis)
    return repeated(session, faults, repetitions,
                    functools.partial(redis_health.serving, service),
                    lambda fault: sentinel_failover(session, namespace, fault, rate_per_s,
                                                    before_s, after_s, outage_max_s,
                                                    wait_ms, client_timeout_s))
