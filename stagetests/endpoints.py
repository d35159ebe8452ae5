"""Every endpoint of a suite as a probe to run: who answers, in what role, how fast."""

from __future__ import annotations

import functools
from collections.abc import Callable

from stagetests.services.kafka import KafkaService
from stagetests.services.postgres import PostgresService
from stagetests.services.probe import EndpointProbe
from stagetests.services.redis import RedisService
from stagetests.settings import Endpoint, Settings

__all__ = ["Probe", "cache_endpoints", "database_endpoints", "messaging_endpoints"]


Probe = Callable[[], EndpointProbe]


def database_endpoints(settings: Settings) -> list[Probe]:
    pg, service = settings.postgres, PostgresService(settings.postgres)
    named: list[tuple[str, Endpoint]] = [("postgres writer", pg.writer),
                                         ("postgres reader", pg.reader)]
    if pg.pgbouncer is not None:
        named.append(("pgbouncer", pg.pgbouncer))
    named += [(f"postgres node {i + 1}", node) for i, node in enumerate(pg.nodes)]
    if settings.region_b.postgres is not None:
        named.append(("postgres region B", settings.region_b.postgres))
    return [functools.partial(service.probe, name, endpoint) for name, endpoint in named]


def cache_endpoints(settings: Settings) -> list[Probe]:
    redis, service = settings.redis, RedisService(settings.redis)
    named = ([(f"redis node {i + 1}", e) for i, e in enumerate(redis.nodes)]
             + [(f"redis sentinel {i + 1}", e) for i, e in enumerate(redis.sentinels)]
             + [(f"redis cluster {i + 1}", e) for i, e in enumerate(redis.cluster_nodes)])
    if settings.region_b.redis is not None:
        named.append(("redis region B", settings.region_b.redis))
    return [functools.partial(service.probe, name, endpoint) for name, endpoint in named]


def messaging_endpoints(settings: Settings) -> list[Probe]:
    service = KafkaService(settings.kafka)
    named = ([(f"kafka broker {i + 1}", e) for i, e in enumerate(settings.kafka.brokers)]
             + [(f"kafka region B {i + 1}", e) for i, e in enumerate(settings.region_b.kafka)])
    return [functools.partial(service.probe, name, endpoint) for name, endpoint in named]
