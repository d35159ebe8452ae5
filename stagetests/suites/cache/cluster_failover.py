"""A Redis Cluster master killed under writes: how long its slots went unserved against what
the node timeout allows, and which acknowledged writes its replica never got.

Every write goes to one hash tag, so to one slot of the killed master: writes to the other
masters would succeed through the outage and hide it from the client timeline. Plain writes
are acknowledged by the master alone (a loss is a finding); optionally, as for Sentinel,
writes confirmed by a replica with ``WAIT 1 <ms>`` (a loss fails the check). With one
replica per master those cannot succeed from the kill until the killed node is back as the
new master's replica, which is after the load: that path shows no end to its outage.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable

from stagetests.errors import InfrastructureError, ServiceError
from stagetests.faults import Kill, server
from stagetests.scenarios.failover import FailoverOutcome, WritePath, failover
from stagetests.services import redis_health
from stagetests.services.redis import RedisService
from stagetests.services.redis_cluster import ClusterClient
from stagetests.session import SuiteSession
from stagetests.settings import Endpoint
from stagetests.suites.cache.namespace import RedisNamespace

__all__ = ["KILL_SCENARIO", "cluster_master_kill", "node_timeout_s"]

KILL_SCENARIO = "cluster failover: master kill"
PLAIN, REPLICATED = "plain writes", "WAIT 1"


def node_timeout_s(service: RedisService, node: Endpoint) -> float:
    """The node's own ``cluster-node-timeout``: what it waits before calling a peer failing."""
    return int(service.config_get(node, "cluster-node-timeout")) / 1000


def _writer(service: RedisService, key: str, wait_ms: int | None, timeout_s: float
            ) -> Callable[[int], object]:
    client = ClusterClient(service, timeout_s)
    if wait_ms is None:
        return lambda item: client.execute("RPUSH", key, item)
    return lambda item: client.write_acknowledged(1, wait_ms, "RPUSH", key, item)


def _read_back(service: RedisService, name: str, key: str) -> list[tuple[Hashable, Hashable]]:
    """(path, item) for every item on the path's list after the heal, in stored order."""
    client = ClusterClient(service)
    try:
        return [(name, int(item)) for item in client.execute("LRANGE", key, 0, -1)]
    finally:
        client.close()


def _healed(service: RedisService, victim: Endpoint) -> str | bool:
    """The cluster covers every slot again and the killed master is back as a linked
    replica of whoever took its slots."""
    try:
        whole = redis_health.cluster_ok(service)
        return redis_health.replica_linked(service, victim) if whole is True else whole
    except (ServiceError, InfrastructureError) as exc:  # still loading its data, say
        return f"not yet: {exc}"


def cluster_master_kill(session: SuiteSession, namespace: RedisNamespace,
                        rate_per_s: float = 0, before_s: float = 3.0,
                        after_s: float | None = None, margin_s: float = 3.0,
                        replicated: bool = False, wait_ms: int = 100,
                        client_timeout_s: float = 0.5) -> list[FailoverOutcome]:
    """SIGKILL the master owning this run's failover slot while clients write to it at
    ``rate_per_s`` (0: the profile's); revert (restart it) ``after_s`` later (None: twice
    the budget) and wait until it is a linked replica. ``replicated`` adds the ``WAIT 1``
    path. Budget: the node timeout, after which the master is suspected, plus
    ``margin_s`` for what follows (failure reports gossiped to a majority of masters, up
    to half a node timeout; the replica's election delay of 500-1000 ms and its vote; the
    client re-reading the slot map); the outage is judged against it."""
    settings = session.settings
    if not settings.redis.cluster_nodes or not settings.allow_destructive:
        reason = "no cluster" if not settings.redis.cluster_nodes else "faults not allowed"
        session.run.add_metric(session.suite, KILL_SCENARIO, "outage", None, "s",
                               note=f"not run: {reason} on this profile")
        return []
    service = RedisService(settings.redis)
    tag = namespace.key("{failover}")
    probe = ClusterClient(service)
    try:
        victim = probe.owner(tag)
    finally:
        probe.close()
    budget_s = node_timeout_s(service, victim) + margin_s
    paths = []
    for name, wait in ((PLAIN, None), (REPLICATED, wait_ms))[:2 if replicated else 1]:
        # One list per path in the victim's slot: every write goes to the killed master.
        key = namespace.key("{failover}", name.replace(" ", "-"))
        namespace.wrote(1)
        paths.append(WritePath(
            name, functools.partial(_writer, service, key, wait, client_timeout_s),
            functools.partial(_read_back, service, name, key),
            losses_expected=wait is None))
    return failover(
        session, KILL_SCENARIO, paths, Kill(server(f"cluster-{victim.port}")),
        functools.partial(_healed, service, victim),
        rate_per_s=rate_per_s or session.settings.run.rate_per_s, before_s=before_s,
        after_s=after_s if after_s is not None else 2 * budget_s, outage_max_s=budget_s,
        budget_s=budget_s)
