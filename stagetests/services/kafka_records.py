"""What the Kafka adapter hands back: plain records, free of kafka-python types."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Delivered", "PartitionState", "Received"]


@dataclass(frozen=True)
class Delivered:
    """A record the cluster acknowledged."""

    partition: int
    offset: int


@dataclass(frozen=True)
class Received:
    """A record a consumer read."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp_ms: int


@dataclass(frozen=True)
class PartitionState:
    """Who leads a partition and which replicas are in sync."""

    partition: int
    leader: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
