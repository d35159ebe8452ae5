"""The real 3-broker KRaft cluster: ordering, acks=all through a broker kill, status."""

from __future__ import annotations

from collections import defaultdict

import pytest

from stagetests.faults import FaultInjector, Kill, broker
from stagetests.sandbox.topology import Topology
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.services.kafka import KafkaService, PartitionState

pytestmark = [pytest.mark.kafka]


def _kafka(messaging: Topology) -> KafkaService:
    return KafkaService(messaging.settings.kafka)


def test_every_broker_is_registered_and_serving(messaging: Topology) -> None:
    rows = messaging.status()
    assert [r.healthy for r in rows] == [True, True, True], rows
    assert sorted(_kafka(messaging).live_brokers()) == [1, 2, 3]
    assert sum("active controller" in r.role for r in rows) == 1


def test_keyed_messages_arrive_complete_and_in_partition_order(
    messaging: Topology, kafka_topic: str
) -> None:
    kafka = _kafka(messaging)
    kafka.create_topic(kafka_topic, partitions=3, replication=3)
    records = [(f"key-{i % 20}".encode(), str(i).encode()) for i in range(1000)]
    delivered = kafka.produce(kafka_topic, records, acks="all")
    received = kafka.consume(kafka_topic, 1000, timeout_s=60)

    assert len(received) == 1000
    assert sorted(int(r.value) for r in received) == list(range(1000))
    by_key: dict[bytes | None, list[int]] = defaultdict(list)
    partition_of: dict[bytes | None, set[int]] = defaultdict(set)
    for record in sorted(received, key=lambda r: (r.partition, r.offset)):
        by_key[record.key].append(int(record.value))
        partition_of[record.key].add(record.partition)
    # One key, one partition; within it the order the producer sent.
    assert all(len(parts) == 1 for parts in partition_of.values())
    assert all(values == sorted(values) for values in by_key.values())
    assert {d.partition for d in delivered} == {0, 1, 2}


def _isr_sizes(kafka: KafkaService, topic: str) -> set[int]:
    return {len(state.isr) for state in kafka.partitions(topic).values()}


def test_acks_all_survives_a_killed_broker_and_the_isr_heals(
    messaging: Topology, kafka_topic: str
) -> None:
    kafka = _kafka(messaging)
    kafka.create_topic(kafka_topic, partitions=3, replication=3)
    wait = WaitStrategy("isr", timeout_s=60)
    injector = FaultInjector(messaging.settings)

    with injector.active(Kill(broker(3))) as record:
        assert record.target == "kafka-3 (broker 3)"
        wait.until(lambda: _isr_sizes(kafka, kafka_topic) == {2}, "shrunk")
        delivered = kafka.produce(kafka_topic, [(b"k", b"during")] * 50, acks="all")
        assert len(delivered) == 50
        states: dict[int, PartitionState] = kafka.partitions(kafka_topic)
        assert all(3 not in s.isr and s.leader != 3 for s in states.values())

    assert record.ended_at is not None and record.detail == "restarted"
    wait.until(lambda: _isr_sizes(kafka, kafka_topic) == {3}, "full again")
    assert len(kafka.consume(kafka_topic, 50, timeout_s=30)) == 50
