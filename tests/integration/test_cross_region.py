"""Region B behind real Toxiproxy links: a 200 ms link delays replication by at least that."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stagetests.faults import FaultInjector, LinkLatency
from stagetests.sandbox.region_b_kafka import mirrored_topic
from stagetests.sandbox.topology import Topology
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.scenarios.lag import replication_lag
from stagetests.services.kafka import KafkaService
from stagetests.services.postgres import PostgresService
from stagetests.services.redis import RedisService
from stagetests.settings import Settings

pytestmark = [pytest.mark.cross_region, pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.kafka]

LATENCY_MS = 200


def _lag_s(write: Callable[[str], object], visible: Callable[[str], bool]) -> float:
    """Seconds from the start of writing one canary in region A until region B shows it."""
    lag = replication_lag(write, visible, samples=1, interval_s=0, timeout_s=60).lags_s[0]
    assert lag is not None, "the canary never reached region B"
    return lag


def _postgres_lag(settings: Settings, table: str) -> float:
    pg = PostgresService(settings.postgres)
    standby = settings.region_b.postgres
    return _lag_s(
        lambda marker: pg.query(f"insert into {table} values (%s)", (marker,)),
        lambda marker: bool(pg.query(f"select 1 from {table} where v = %s", (marker,),
                                     endpoint=standby)))


def _redis_lag(settings: Settings, key: str) -> float:
    redis = RedisService(settings.redis)
    master = redis.sentinel_master(settings.redis.sentinels[0])
    replica = settings.region_b.redis
    assert master is not None and replica is not None
    return _lag_s(lambda marker: redis.command(master, "SET", key, marker, "EX", 300),
                  lambda marker: redis.command(replica, "GET", key) == marker)


def _kafka_lag(settings: Settings, topic: str) -> float:
    source = KafkaService(settings.kafka)
    target = source.at(settings.region_b.kafka)
    with target.follow(mirrored_topic(settings, topic)) as follower:
        return _lag_s(lambda marker: source.produce(topic, [(b"k", marker.encode())]),
                      lambda marker: any(r.value == marker.encode()
                                         for r in follower.poll(0.02)))


def test_a_slow_link_delays_every_region_b_replica(
    region_b: list[Topology], unique_name: str
) -> None:
    settings = region_b[0].settings
    PostgresService(settings.postgres).query(f"create table {unique_name} (v text)")
    source = KafkaService(settings.kafka)
    source.create_topic(unique_name, partitions=1, replication=3)
    mirrored = mirrored_topic(settings, unique_name)
    target = source.at(settings.region_b.kafka)
    WaitStrategy("mirror", timeout_s=90).until(lambda: mirrored in target.topics(), "mirrored")
    lags: dict[str, Callable[[], float]] = {
        "postgres": lambda: _postgres_lag(settings, unique_name),
        "redis": lambda: _redis_lag(settings, unique_name),
        "kafka": lambda: _kafka_lag(settings, unique_name),
    }
    _ = {name: lag() for name, lag in lags.items()}  # warm: connections and caches

    injector = FaultInjector(settings)
    slow: dict[str, float] = {}
    for link, lag in lags.items():
        with injector.active(LinkLatency(link, LATENCY_MS)):
            slow[link] = lag()
    fast = {link: lag() for link, lag in lags.items()}

    print(f"lag with {LATENCY_MS} ms link: {slow}; without: {fast}")
    for link in lags:
        assert slow[link] >= LATENCY_MS / 1000, (link, slow)
        assert fast[link] < slow[link], (link, fast, slow)
    assert [r.kind for r in injector.records] == ["latency"] * 3
    assert all(r.ended_at is not None for r in injector.records)
