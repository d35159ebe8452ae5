"""The Redis sandbox against real servers: Sentinel's master, the cluster's slots."""

from __future__ import annotations

import functools

import pytest

from stagetests.sandbox.topology import Topology
from stagetests.services.redis import RedisService
from stagetests.services.redis_health import CLUSTER_SLOTS
from stagetests.settings import Settings

pytestmark = pytest.mark.redis


def test_every_sentinel_names_the_same_serving_master(cache: Topology, settings: Settings) -> None:
    service = RedisService(settings.redis)
    masters = {service.sentinel_master(s) for s in settings.redis.sentinels}
    assert len(masters) == 1
    master = masters.pop()
    assert master is not None
    assert service.info(master, "replication")["role"] == "master"
    # At least: region B's replica may hang off the master too (unannounced, never promoted).
    assert int(service.sentinel_view(settings.redis.sentinels[0])["num-slaves"]) >= 2
    service.canary(master)


def test_replicas_follow_the_master(cache: Topology, settings: Settings, unique_name: str) -> None:
    service = RedisService(settings.redis)
    master = service.sentinel_master(settings.redis.sentinels[0])
    assert master is not None
    service.command(master, "SET", unique_name, "v", "EX", 60)
    for replica in (n for n in settings.redis.nodes if n != master):
        seen = cache.wait(f"replica {replica}").until(
            functools.partial(service.command, replica, "GET", unique_name))
        assert seen == "v"


def test_the_cluster_covers_all_slots(cache: Topology, settings: Settings) -> None:
    service = RedisService(settings.redis)
    for node in settings.redis.cluster_nodes:
        info = service.cluster_info(node)
        assert info["cluster_state"] == "ok"
        assert int(info["cluster_slots_assigned"]) == CLUSTER_SLOTS
        assert int(info["cluster_size"]) == 3
    service.cluster_canary()
