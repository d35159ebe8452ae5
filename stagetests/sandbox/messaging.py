"""The messaging topology: three combined broker+controller Kafka nodes in KRaft mode."""

from __future__ import annotations

from stagetests.console import step
from stagetests.errors import ConfigError
from stagetests.sandbox.kafka_cluster import KafkaCluster
from stagetests.sandbox.kafka_configs import KafkaNode
from stagetests.sandbox.topology import SandboxServer, Topology
from stagetests.settings import Settings

__all__ = ["MessagingTopology"]


class MessagingTopology(Topology):
    """Region A's Kafka: RF 3, ``min.insync.replicas=2``, one extra listener per broker that
    region B's MirrorMaker reaches through a Toxiproxy link."""

    name = "messaging"
    stop_together = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.cluster = KafkaCluster(settings, self.state, self.state.topology_dir(self.name),
                                    "kafka", self.nodes())

    def nodes(self) -> list[KafkaNode]:
        kafka, box = self.settings.kafka, self.settings.sandbox
        counts = {len(kafka.brokers), len(box.kafka_controllers), len(box.kafka_link_listeners),
                  len(box.kafka_link_proxies)}
        if len(counts) != 1:
            raise ConfigError("kafka.brokers, sandbox.kafka_controllers, kafka_link_listeners and "
                              "kafka_link_proxies must list as many endpoints each")
        return [KafkaNode(index + 1, broker, controller, (listen, proxy))
                for index, (broker, controller, listen, proxy) in enumerate(zip(
                    kafka.brokers, box.kafka_controllers, box.kafka_link_listeners,
                    box.kafka_link_proxies, strict=True))]

    def servers(self) -> list[SandboxServer]:
        return self.cluster.servers()

    def start_fresh(self) -> None:
        self.state.fresh_dir(self.name)
        nodes = len(self.cluster.nodes)
        with step(f"Kafka: format storage of {nodes} KRaft nodes"):
            self.cluster.prepare()
        with step(f"Kafka: start {nodes} broker+controller nodes together"):
            self.cluster.start()

    def wait_ready(self) -> None:
        with step("messaging ready: all brokers unfenced, RF-3 round trip"):
            self.wait("kafka brokers").until(self.cluster.registered, "registered")
            self.wait("kafka canary").until(self._canary, "round trip")

    def _canary(self) -> bool:
        self.cluster.service.canary()
        return True
