"""Generated configs of the Kafka sandbox: KRaft nodes, log4j2 and MirrorMaker 2."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stagetests.settings import Endpoint, Settings

__all__ = ["KafkaNode", "cluster_id", "log4j2_properties", "mirror_maker_properties",
           "server_properties"]


@dataclass(frozen=True)
class KafkaNode:
    """One combined broker+controller node of a KRaft cluster."""

    node_id: int
    broker: Endpoint
    controller: Endpoint
    # (listen, advertise) of the extra listener MirrorMaker reaches through Toxiproxy.
    link: tuple[Endpoint, Endpoint] | None = None


def cluster_id() -> str:
    """A Kafka cluster id: Kafka's own ``Uuid`` text, without a JVM start to draw it."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):  # StorageTool would read it as an option
            return text


def server_properties(settings: Settings, node: KafkaNode, voters: Sequence[KafkaNode],
                      data_dir: Path) -> str:
    """server.properties of ``node``; replication sized to the cluster it belongs to."""
    size = len(voters)
    rf, min_isr = min(3, size), min(2, size)
    listeners = [f"PLAINTEXT://{node.broker}", f"CONTROLLER://{node.controller}"]
    advertised = [f"PLAINTEXT://{node.broker}"]
    protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"]
    if node.link is not None:
        listeners.append(f"LINK://{node.link[0]}")
        advertised.append(f"LINK://{node.link[1]}")
        protocols.append("LINK:PLAINTEXT")
    lines = {
        "process.roles": "broker,controller",
        "node.id": node.node_id,
        "controller.quorum.voters": ",".join(f"{v.node_id}@{v.controller}" for v in voters),
        "listeners": ",".join(listeners),
        "advertised.listeners": ",".join(advertised),
        "listener.security.protocol.map": ",".join(protocols),
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "log.dirs": data_dir,
        "num.partitions": 3,
        "default.replication.factor": rf,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": rf,
        # The defaults (50 partitions each) cost seconds of leader elections on 2 cores.
        "offsets.topic.num.partitions": 6,
        "transaction.state.log.replication.factor": rf,
        "transaction.state.log.min.isr": min_isr,
        "transaction.state.log.num.partitions": 6,
        "share.coordinator.state.topic.replication.factor": rf,
        "share.coordinator.state.topic.min.isr": min_isr,
        "group.initial.rebalance.delay.ms": 0,
        "auto.create.topics.enable": "false",
        "num.network.threads": 2,
        "num.io.threads": 4,
        "background.threads": 4,
        "group.coordinator.threads": 1,
        "num.replica.fetchers": 1,
        "num.recovery.threads.per.data.dir": 1,
        "log.segment.bytes": 67108864,
        # A killed peer should leave the ISR within seconds, not the default 30.
        "replica.lag.time.max.ms": 5000,
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def log4j2_properties(level: str) -> str:
    """log4j2 config writing to stderr, which the sandbox sends to the server's log file."""
    return ("status = warn\nappender.e.type = Console\nappender.e.name = E\n"
            "appender.e.target = SYSTEM_ERR\nappender.e.layout.type = PatternLayout\n"
            "appender.e.layout.pattern = [%d] %p %m (%c)%n\n"
            f"rootLogger.level = {level}\nrootLogger.appenderRef.e.ref = E\n"
            "logger.req.name = kafka.request.logger\nlogger.req.level = WARN\n"
            "logger.cfg.name = org.apache.kafka.common.config\nlogger.cfg.level = WARN\n")


def mirror_maker_properties(settings: Settings, source: Sequence[Endpoint],
                            target: Sequence[Endpoint]) -> str:
    """mm2.properties: region A (through its links) mirrored one way into region B."""
    alias = settings.region_b.kafka_source_alias
    refresh = settings.sandbox.mirror_refresh_s
    rf = min(3, len(target))
    lines = {
        "clusters": f"{alias}, B",
        f"{alias}.bootstrap.servers": ",".join(map(str, source)),
        "B.bootstrap.servers": ",".join(map(str, target)),
        f"{alias}->B.enabled": "true",
        f"B->{alias}.enabled": "false",
        f"{alias}->B.topics": ".*",
        # Our own canaries stay home; the defaults would also skip Kafka's internal topics.
        f"{alias}->B.topics.exclude": r"stagetests-canary.*,.*[\-\.]internal,__.*",
        "refresh.topics.interval.seconds": refresh,
        "refresh.groups.interval.seconds": refresh,
        "emit.checkpoints.interval.seconds": refresh,
        "emit.heartbeats.interval.seconds": 1,
        "sync.topic.acls.enabled": "false",
        # Region B has one broker: replaying region A's min.insync.replicas=2 would fail.
        "sync.topic.configs.enabled": "false",
        "plugin.discovery": "service_load",
        "replication.factor": rf,
        "checkpoints.topic.replication.factor": rf,
        "heartbeats.topic.replication.factor": rf,
        "offset-syncs.topic.replication.factor": min(3, len(source)),
        "offset.storage.replication.factor": rf,
        "config.storage.replication.factor": rf,
        "status.storage.replication.factor": rf,
        "tasks.max": 2,
        # Records are mirrored as soon as they are read, not batched for throughput.
        "B.producer.linger.ms": 0,
        f"{alias}.consumer.fetch.max.wait.ms": 100,
        "dedicated.mode.enable.internal.rest": "false",
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())
