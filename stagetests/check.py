"""``stagetests check``: probe every endpoint of a profile, in parallel, and say who answered."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from stagetests.services.kafka import KafkaService
from stagetests.services.postgres import PostgresService
from stagetests.services.probe import EndpointProbe
from stagetests.services.redis import RedisService
from stagetests.settings import Endpoint, Settings

__all__ = ["SUITE_ENDPOINTS", "check_endpoints"]

Probe = Callable[[], EndpointProbe]


def _database(settings: Settings) -> list[Probe]:
    pg, service = settings.postgres, PostgresService(settings.postgres)
    named: list[tuple[str, Endpoint]] = [("postgres writer", pg.writer),
                                         ("postgres reader", pg.reader)]
    if pg.pgbouncer is not None:
        named.append(("pgbouncer", pg.pgbouncer))
    named += [(f"postgres node {i + 1}", node) for i, node in enumerate(pg.nodes)]
    if settings.region_b.postgres is not None:
        named.append(("postgres region B", settings.region_b.postgres))
    return [functools.partial(service.probe, name, endpoint) for name, endpoint in named]


def _cache(settings: Settings) -> list[Probe]:
    redis, service = settings.redis, RedisService(settings.redis)
    named = ([(f"redis node {i + 1}", e) for i, e in enumerate(redis.nodes)]
             + [(f"redis sentinel {i + 1}", e) for i, e in enumerate(redis.sentinels)]
             + [(f"redis cluster {i + 1}", e) for i, e in enumerate(redis.cluster_nodes)])
    if settings.region_b.redis is not None:
        named.append(("redis region B", settings.region_b.redis))
    return [functools.partial(service.probe, name, endpoint) for name, endpoint in named]


def _messaging(settings: Settings) -> list[Probe]:
    service = KafkaService(settings.kafka)
    named = ([(f"kafka broker {i + 1}", e) for i, e in enumerate(settings.kafka.brokers)]
             + [(f"kafka region B {i + 1}", e) for i, e in enumerate(settings.region_b.kafka)])
    return [functools.partial(service.probe, name, endpoint) for name, endpoint in named]


SUITE_ENDPOINTS: dict[str, tuple[Callable[[Settings], list[Probe]], ...]] = {
    "database": (_database,),
    "cache": (_cache,),
    "messaging": (_messaging,),
    "cross-region": (_database, _cache, _messaging),
    "all": (_database, _cache, _messaging),
}


def check_endpoints(settings: Settings, suite: str = "all") -> list[EndpointProbe]:
    """One probe per endpoint of ``suite``; all run at once so a dead host costs one timeout."""
    probes = [probe for build in SUITE_ENDPOINTS[suite] for probe in build(settings)]
    with ThreadPoolExecutor(max_workers=max(1, len(probes))) as pool:
        return list(pool.map(lambda probe: probe(), probes))
