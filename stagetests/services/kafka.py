"""Kafka adapter: admin, produce, consume, metadata; kafka-python stops here."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import kafka
import kafka.errors

from stagetests.errors import ServiceError, ServiceUnreachableError
from stagetests.services.kafka_records import Delivered, PartitionState, Received
from stagetests.services.probe import EndpointProbe, timed_probe
from stagetests.settings import Endpoint, KafkaSettings

__all__ = ["Delivered", "Follower", "KafkaService", "PartitionState", "Received"]

CANARY_TOPIC = "stagetests-canary"


@dataclass(frozen=True)
class Follower:
    """An open consumer; ``poll`` returns what arrived since the last call."""

    consumer: Any
    service: KafkaService

    def poll(self, timeout_s: float = 0.1) -> list[Received]:
        with self.service._wrapped():
            batches = self.consumer.poll(timeout_ms=int(timeout_s * 1000))
        return [Received(r.partition, r.offset, r.key, r.value, r.timestamp)
                for batch in batches.values() for r in batch]


@dataclass(frozen=True)
class KafkaService:
    """Talks to one Kafka cluster, given by its bootstrap brokers."""

    settings: KafkaSettings
    brokers: tuple[Endpoint, ...] = ()

    def at(self, brokers: Sequence[Endpoint]) -> KafkaService:
        """The same client settings against another cluster (region B, say)."""
        return KafkaService(self.settings, tuple(brokers))

    @property
    def bootstrap(self) -> list[str]:
        return [str(e) for e in (self.brokers or self.settings.brokers)]

    def _common(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.bootstrap,
                "request_timeout_ms": int(self.settings.request_timeout_s * 1000),
                "bootstrap_timeout_ms": int(self.settings.connect_timeout_s * 1000),
                "client_id": "stagetests"}

    @contextmanager
    def admin(self) -> Iterator[Any]:
        with self._wrapped():
            client = kafka.KafkaAdminClient(**self._common())
            try:
                yield client
            finally:
                client.close()

    def live_brokers(self) -> dict[int, Endpoint]:
        """Registered, unfenced brokers by node id."""
        with self.admin() as admin:
            cluster = admin.describe_cluster()
        return {b["broker_id"]: Endpoint(b["host"], b["port"]) for b in cluster["brokers"]}

    def quorum_leader(self) -> int:
        """The node id of the active KRaft controller."""
        with self.admin() as admin:
            quorum = admin.describe_metadata_quorum()
        return int(quorum["topics"][0]["partitions"][0]["leader_id"])

    def create_topic(self, name: str, partitions: int = 3, replication: int = 3,
                     configs: dict[str, str] | None = None) -> None:
        """Create ``name`` and return once every partition has a leader."""
        spec = {"num_partitions": partitions, "replication_factor": replication,
                "configs": configs or {}}
        with self.admin() as admin:
            admin.create_topics({name: spec}, wait_for_metadata=True)

    def delete_topics(self, names: Sequence[str]) -> None:
        with self.admin() as admin:
            admin.delete_topics(list(names), raise_errors=False)

    def topics(self) -> list[str]:
        with self.admin() as admin:
            return sorted(admin.list_topics())

    def partitions(self, topic: str) -> dict[int, PartitionState]:
        """Leader, replicas and ISR of every partition of ``topic``."""
        with self.admin() as admin:
            described = admin.describe_topics([topic])
        if not described or described[0].get("error_code"):
            raise ServiceError(f"kafka: topic {topic!r} not found")
        return {p["partition_index"]: PartitionState(
                    p["partition_index"], p["leader_id"], tuple(p["replica_nodes"]),
                    tuple(p["isr_nodes"]))
                for p in described[0]["partitions"]}

    def produce(self, topic: str, records: Sequence[tuple[bytes | None, bytes]],
                acks: str | int = "all", idempotent: bool = True) -> list[Delivered]:
        """Send ``records`` (key, value) in order and wait for every acknowledgement."""
        with self._wrapped():
            producer = kafka.KafkaProducer(
                acks=acks, enable_idempotence=idempotent and acks in ("all", -1), linger_ms=0,
                max_block_ms=int(self.settings.request_timeout_s * 1000),
                delivery_timeout_ms=int(self.settings.request_timeout_s * 3000),
                **self._common())
            try:
                futures = [producer.send(topic, key=key, value=value) for key, value in records]
                producer.flush()
                sent = [f.get(timeout=self.settings.request_timeout_s) for f in futures]
            finally:
                producer.close(timeout=self.settings.request_timeout_s)
        return [Delivered(m.partition, m.offset) for m in sent]

    def consume(self, topic: str, count: int, timeout_s: float | None = None) -> list[Received]:
        """Read ``count`` records of ``topic`` from the beginning of every partition."""
        deadline = time.monotonic() + (timeout_s or self.settings.request_timeout_s)
        received: list[Received] = []
        with self._reader(topic, at_end=False) as reader:
            while len(received) < count and time.monotonic() < deadline:
                received += reader.poll(0.2)
        return received

    def follow(self, topic: str) -> AbstractContextManager[Follower]:
        """A consumer of every partition of ``topic`` positioned at its end: it sees only
        records written after it was opened."""
        return self._reader(topic, at_end=True)

    @contextmanager
    def _reader(self, topic: str, at_end: bool) -> Iterator[Follower]:
        """A group-less consumer assigned every partition, at the start or at the end."""
        with self._wrapped():
            consumer = kafka.KafkaConsumer(enable_auto_commit=False, group_id=None,
                                           fetch_max_wait_ms=50, **self._common())
            try:
                parts = [kafka.TopicPartition(topic, p)
                         for p in sorted(consumer.partitions_for_topic(topic) or ())]
                if not parts:
                    raise ServiceError(f"kafka {self.bootstrap[0]}: no topic {topic!r}")
                consumer.assign(parts)
                if at_end:
                    consumer.seek_to_end(*parts)
                    for part in parts:
                        consumer.position(part)  # resolve "end" now, not at the first poll
                else:
                    consumer.seek_to_beginning(*parts)
                yield Follower(consumer, self)
            finally:
                consumer.close()

    def node_at(self, endpoint: Endpoint) -> tuple[int | None, int]:
        """The node id of the broker listening at ``endpoint`` (None: not a live broker) and
        how many live brokers the cluster has, asked of that broker."""
        live = self.at([endpoint]).live_brokers()
        return next((i for i, e in live.items() if e == endpoint), None), len(live)

    def canary(self, topic: str = CANARY_TOPIC) -> None:
        """An ``acks=all`` write to a replicated topic, read back by a fresh consumer."""
        if topic not in self.topics():
            self.create_topic(topic, partitions=1, replication=min(3, len(self.live_brokers())))
        marker = uuid.uuid4().bytes
        delivered = self.produce(topic, [(b"canary", marker)])[0]
        if not any(r.value == marker for r in self.consume(topic, delivered.offset + 1)):
            raise ServiceError(f"kafka {self.bootstrap[0]}: canary not readable from {topic}")

    def probe(self, name: str, endpoint: Endpoint) -> EndpointProbe:
        """Which node answers at ``endpoint``, how many brokers it knows, timed."""

        def ask() -> tuple[str, str]:
            node, live = self.node_at(endpoint)
            return f"broker {node} of {live}", "Kafka (KRaft)"

        return timed_probe(name, endpoint, ask)

    @contextmanager
    def _wrapped(self) -> Iterator[None]:
        """Turn kafka-python errors into the stagetests tree, naming the cluster."""
        try:
            yield
        except kafka.errors.KafkaError as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            where = f"kafka {','.join(self.bootstrap)}"
            if isinstance(exc, kafka.errors.KafkaTimeoutError | kafka.errors.KafkaConnectionError):
                raise ServiceUnreachableError(f"{where}: {reason}") from exc
            raise ServiceError(f"{where}: {type(exc).__name__}: {reason}") from exc
