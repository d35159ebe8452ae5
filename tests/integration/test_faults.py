"""Every fault type applied to the real sandbox and reverted, with its effect observed."""

from __future__ import annotations

import dataclasses
import time
import uuid

import pytest

from stagetests.errors import InfrastructureError
from stagetests.faults import (
    FaultInjector,
    Kill,
    LinkBandwidth,
    LinkCut,
    PatroniSwitchover,
    Restart,
    SentinelFailover,
    Stop,
    partition_leader,
    patroni_leader,
    redis_master,
)
from stagetests.sandbox.topology import Topology
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.services.kafka import KafkaService
from stagetests.services.patroni import PatroniApi
from stagetests.services.postgres import PostgresService
from stagetests.services.redis import RedisService
from stagetests.settings import Settings

pytestmark = [pytest.mark.sandbox]


def _leader(settings: Settings) -> str | None:
    """The Patroni leader's name; None during an election."""
    member = PatroniApi(settings.postgres.patroni_api).leader()
    return None if member is None else member.name


@pytest.mark.postgres
def test_killing_the_patroni_leader_fails_over_and_the_node_rejoins(
    database: Topology, settings: Settings
) -> None:
    before = _leader(settings)
    injector = FaultInjector(settings)
    with injector.active(Kill(patroni_leader())) as record:
        assert record.target == f"patroni-{before} (the Patroni leader)"
        wait = WaitStrategy.on_servers("failover", timeout_s=60)
        wait.until(lambda: _leader(settings) not in (None, before), "failed over")
        # The writer endpoint follows; for a moment it may reach the new leader still
        # read-only (promotion in progress): a real client sees that too.
        wait.until(PostgresService(settings.postgres).canary, "writable")
    assert record.detail == "restarted" and record.duration_s is not None
    database.wait_ready()  # three nodes again, two streaming


@pytest.mark.postgres
def test_patroni_switchover_and_back(database: Topology, settings: Settings) -> None:
    database.wait_ready()  # replicas streaming: Patroni needs a healthy candidate
    before = _leader(settings)
    with FaultInjector(settings).active(PatroniSwitchover()) as record:
        assert _leader(settings) != before
        assert record.target.startswith(f"leader {before} -> ")
    assert _leader(settings) == before
    database.wait_ready()


@pytest.mark.redis
def test_frozen_master_stops_answering_then_resumes(cache: Topology, settings: Settings) -> None:
    service = RedisService(settings.redis)
    master = service.sentinel_master(settings.redis.sentinels[0])
    assert master is not None
    # Shorter than Sentinel's down-after: a freeze, not a failover.
    impatient = RedisService(dataclasses.replace(settings.redis, socket_timeout_s=0.3))
    with (FaultInjector(settings).active(Stop(redis_master())) as record,
          pytest.raises(InfrastructureError)):
        impatient.command(master, "PING")
    assert record.detail == "resumed"
    assert service.command(master, "PING") is True


@pytest.mark.redis
def test_sentinel_failover_promotes_a_replica_and_the_old_master_rejoins(
    cache: Topology, settings: Settings
) -> None:
    service = RedisService(settings.redis)
    before = service.sentinel_master(settings.redis.sentinels[0])
    with FaultInjector(settings).active(SentinelFailover()) as record:
        after = service.sentinel_master(settings.redis.sentinels[0])
        assert after is not None and after != before
        assert service.info(after, "replication")["role"] == "master"
    assert record.detail.endswith("replicates from the new master")
    cache.wait_ready()


@pytest.mark.kafka
def test_restarting_a_partition_leader_moves_leadership(
    messaging: Topology, settings: Settings, kafka_topic: str
) -> None:
    kafka = KafkaService(settings.kafka)
    kafka.create_topic(kafka_topic, partitions=1, replication=3)
    leader = kafka.partitions(kafka_topic)[0].leader
    with FaultInjector(settings).active(Restart(partition_leader(kafka_topic, 0))) as record:
        assert record.target == f"kafka-{leader} (the leader of partition 0 of {kafka_topic})"
        WaitStrategy("leader", timeout_s=60).until(
            lambda: kafka.partitions(kafka_topic)[0].leader not in (leader, -1), "moved")
        assert len(kafka.produce(kafka_topic, [(b"k", b"v")])) == 1
    WaitStrategy("isr", timeout_s=60).until(
        lambda: len(kafka.partitions(kafka_topic)[0].isr) == 3, "full")


@pytest.mark.cross_region
def test_bandwidth_limit_slows_a_large_value_into_region_b(
    region_b: list[Topology], settings: Settings, unique_name: str
) -> None:
    service = RedisService(settings.redis)
    master = service.sentinel_master(settings.redis.sentinels[0])
    replica = settings.region_b.redis
    assert master is not None and replica is not None
    value = uuid.uuid4().hex * 2048  # 64 KiB
    with FaultInjector(settings).active(LinkBandwidth("redis", rate_kb_s=64)):
        started = time.monotonic()
        service.command(master, "SET", unique_name, value, "EX", 300)
        WaitStrategy("replica", timeout_s=30, interval_s=0.01).until(
            lambda: service.command(replica, "STRLEN", unique_name) == len(value), "copied")
        assert time.monotonic() - started >= 0.5  # 64 KiB at 64 KB/s: about a second


@pytest.mark.cross_region
@pytest.mark.parametrize("blackhole", [True, False], ids=["blackhole", "refused"])
def test_a_cut_link_holds_region_b_back_until_restored(
    region_b: list[Topology], settings: Settings, unique_name: str, blackhole: bool
) -> None:
    service = RedisService(settings.redis)
    master = service.sentinel_master(settings.redis.sentinels[0])
    replica = settings.region_b.redis
    assert master is not None and replica is not None
    with FaultInjector(settings).active(LinkCut("redis", blackhole=blackhole)):
        service.command(master, "SET", unique_name, "cut", "EX", 300)
        time.sleep(1.0)  # nothing to poll for: asserting an absence over a window
        assert service.command(replica, "GET", unique_name) is None
    WaitStrategy("replica", timeout_s=60).until(
        lambda: service.command(replica, "GET", unique_name) == "cut", "caught up")
