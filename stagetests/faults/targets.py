"""Which sandbox server a fault hits, chosen by its role at the moment the fault starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stagetests.errors import ConfigError, ServiceError
from stagetests.registry import topologies
from stagetests.sandbox.topology import SandboxServer
from stagetests.services.kafka import KafkaService
from stagetests.services.patroni import PatroniApi
from stagetests.services.redis import RedisService
from stagetests.settings import Settings

__all__ = ["ServerTarget", "broker", "partition_leader", "patroni_leader", "redis_master",
           "server"]


@dataclass(frozen=True)
class ServerTarget:
    """A role ("the Patroni leader") resolved to a server name only when the fault starts."""

    description: str
    server_name: Callable[[Settings], str]

    def resolve(self, settings: Settings) -> SandboxServer:
        name = self.server_name(settings)
        for topology in topologies(settings, "all"):
            for candidate in topology.servers():
                if candidate.name == name:
                    return candidate
        raise ConfigError(f"no sandbox server named {name!r} ({self.description})")


def server(name: str) -> ServerTarget:
    """A sandbox server by name, as ``stagetests sandbox status`` lists it."""
    return ServerTarget(name, lambda _settings: name)


def patroni_leader() -> ServerTarget:
    def leader(settings: Settings) -> str:
        member = PatroniApi(settings.postgres.patroni_api).leader()
        if member is None:
            raise ServiceError("patroni: the cluster has no leader to target")
        return f"patroni-{member.name}"

    return ServerTarget("the Patroni leader", leader)


def redis_master() -> ServerTarget:
    def master(settings: Settings) -> str:
        found = RedisService(settings.redis).sentinel_master(settings.redis.sentinels[0])
        if found is None:
            raise ServiceError("redis: Sentinel names no master to target")
        return f"redis-{found.port}"

    return ServerTarget("the Redis master", master)


def broker(node_id: int) -> ServerTarget:
    return ServerTarget(f"broker {node_id}", lambda _settings: f"kafka-{node_id}")


def partition_leader(topic: str, partition: int = 0) -> ServerTarget:
    def leader(settings: Settings) -> str:
        states = KafkaService(settings.kafka).partitions(topic)
        if partition not in states or states[partition].leader < 0:
            raise ServiceError(f"kafka: partition {partition} of {topic!r} has no leader")
        return f"kafka-{states[partition].leader}"

    return ServerTarget(f"the leader of partition {partition} of {topic}", leader)
