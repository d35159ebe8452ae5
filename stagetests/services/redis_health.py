"""Is Redis serving again? The checks a sandbox start and a scenario's recovery both wait on.

Each returns True, or a reason naming what is not yet so (``WaitStrategy.until`` shows the
last one when it gives up).
"""

from __future__ import annotations

from stagetests.services.redis import RedisService
from stagetests.settings import Endpoint

__all__ = ["CLUSTER_SLOTS", "cluster_ok", "replica_linked", "replicas_linked",
           "sentinels_agree", "serving"]

CLUSTER_SLOTS = 16384


def replicas_linked(service: RedisService) -> str | bool:
    """The master the Sentinels name has every other node of the group online as replica."""
    master = service.sentinel_master(service.settings.sentinels[0])
    if master is None:
        return "not yet: no master known to Sentinel"
    info = service.info(master, "replication")
    if info.get("role") != "master":
        return f"not yet: Sentinel's master {master} is {info.get('role')}"
    linked = [v for k, v in info.items()
              if k.startswith("slave") and isinstance(v, dict) and v.get("state") == "online"]
    wanted = len(service.settings.nodes) - 1
    return True if len(linked) >= wanted else f"not yet: {len(linked)} of {wanted} replicas"


def replica_linked(service: RedisService, node: Endpoint) -> str | bool:
    """``node`` is a replica whose link to its master is up."""
    info = service.info(node, "replication")
    if info.get("role") == "slave" and info.get("master_link_status") == "up":
        return True
    return f"not yet: {node} is {info.get('role')}, link {info.get('master_link_status', '-')}"


def sentinels_agree(service: RedisService) -> str | bool:
    """Every Sentinel names the same master, sees it up, knows the replicas and each other."""
    redis = service.settings
    masters = {str(service.sentinel_master(s)) for s in redis.sentinels}
    if len(masters) != 1:
        return f"not yet: Sentinels name different masters {sorted(masters)}"
    for sentinel in redis.sentinels:
        view = service.sentinel_view(sentinel)
        if (view.get("flags") != "master"
                or int(view.get("num-slaves", 0)) < len(redis.nodes) - 1
                or int(view.get("num-other-sentinels", 0)) < len(redis.sentinels) - 1):
            return f"not yet: Sentinel {sentinel} sees {view.get('flags')}, " \
                   f"{view.get('num-slaves')} replicas, " \
                   f"{view.get('num-other-sentinels')} other Sentinels"
    return True


def serving(service: RedisService) -> str | bool:
    """The Sentinel group whole: replicas linked and every Sentinel agreeing."""
    linked = replicas_linked(service)
    return sentinels_agree(service) if linked is True else linked


def cluster_ok(service: RedisService, nodes: tuple[Endpoint, ...] | None = None
               ) -> str | bool:
    """Every node of the cluster says ``ok`` with all slots covered, replicas linked."""
    for node in nodes or service.settings.cluster_nodes:
        fields = service.cluster_info(node)
        if fields.get("cluster_state") != "ok" \
                or int(fields.get("cluster_slots_ok", 0)) != CLUSTER_SLOTS:
            return f"not yet: {node} reports {fields.get('cluster_state')}, " \
                   f"{fields.get('cluster_slots_ok')} slots ok"
        replication = service.info(node, "replication")
        if replication.get("role") == "slave" \
                and replication.get("master_link_status") != "up":
            return f"not yet: cluster replica {node} not linked to its master"
    return True
