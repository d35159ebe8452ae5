"""Region B for Kafka: a one-node KRaft cluster fed by MirrorMaker 2 through the links."""

from __future__ import annotations

import uuid

from stagetests.console import step
from stagetests.sandbox.kafka_cluster import KafkaCluster
from stagetests.sandbox.kafka_configs import KafkaNode, mirror_maker_properties
from stagetests.sandbox.tools import SERVER_JVM, Tools
from stagetests.sandbox.topology import SandboxServer, Topology
from stagetests.services.kafka import KafkaService
from stagetests.settings import Settings

__all__ = ["MIRROR_PROBE_TOPIC", "MessagingRegionB", "mirrored_topic"]

MIRROR_PROBE_TOPIC = "stagetests-mirror-probe"


def mirrored_topic(settings: Settings, topic: str) -> str:
    """The name MirrorMaker 2 gives region A's ``topic`` in region B."""
    return f"{settings.region_b.kafka_source_alias}.{topic}"


class MessagingRegionB(Topology):
    """Region B's broker(s) and the MirrorMaker 2 that pulls region A's topics over the links."""

    name = "messaging-b"
    stop_together = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        nodes = [KafkaNode(1, settings.region_b.kafka[0], settings.sandbox.kafka_b_controller)]
        self.folder = self.state.topology_dir(self.name)
        self.cluster = KafkaCluster(settings, self.state, self.folder, "kafka-b", nodes)

    def servers(self) -> list[SandboxServer]:
        tools = Tools(self.settings.sandbox.cache_dir)
        argv = tools.java("org.apache.kafka.connect.mirror.MirrorMaker",
                          str(self.folder / "mm2.properties"), "--clusters", "B",
                          jvm=("-Xmx512m", "-Xms128m", *SERVER_JVM),
                          log_config=self.folder / "log4j2-tools.properties")
        mirror = self.state.process("mirror-maker", argv)
        return [*self.cluster.servers(),
                SandboxServer("mirror-maker", 0, mirror, self._mirror_role)]

    def start_fresh(self) -> None:
        self.state.fresh_dir(self.name)
        with step("Kafka in region B: one KRaft node"):
            self.cluster.prepare()
            self.cluster.start()
            self.wait("region B kafka").until(self.cluster.registered, "registered")
        links = self.settings.sandbox.kafka_link_proxies
        (self.folder / "mm2.properties").write_text(
            mirror_maker_properties(self.settings, links, self.settings.region_b.kafka))
        with step("MirrorMaker 2: region A -> region B through the links"):
            self.servers()[-1].process.start()

    def wait_ready(self) -> None:
        with step("messaging-b ready: a record written in region A mirrored into region B"):
            self.wait("region B kafka").until(self.cluster.registered, "registered")
            source = KafkaService(self.settings.kafka)
            if MIRROR_PROBE_TOPIC not in source.topics():
                source.create_topic(MIRROR_PROBE_TOPIC, partitions=1,
                                    replication=min(3, len(self.settings.kafka.brokers)))
            marker = uuid.uuid4().bytes
            source.produce(MIRROR_PROBE_TOPIC, [(b"probe", marker)])
            self.wait("mirror maker").until(lambda: self._arrived(marker), "mirroring")

    def _arrived(self, marker: bytes) -> str | bool:
        self.servers()[-1].process.require_running()
        target = mirrored_topic(self.settings, MIRROR_PROBE_TOPIC)
        if target not in self.cluster.service.topics():
            return f"not yet: {target} not in region B"
        seen = self.cluster.service.consume(target, 10**6, timeout_s=1)
        return True if any(r.value == marker for r in seen) else f"not yet: probe not in {target}"

    def _mirror_role(self) -> str:
        topics = [t for t in self.cluster.service.topics()
                  if t.startswith(f"{self.settings.region_b.kafka_source_alias}.")]
        return f"MirrorMaker 2, {len(topics)} topics mirrored"
