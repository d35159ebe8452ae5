"""One KRaft cluster of combined broker+controller JVMs, for region A and for region B."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence
from pathlib import Path

from stagetests.errors import SandboxError
from stagetests.sandbox.kafka_configs import (
    KafkaNode,
    cluster_id,
    log4j2_properties,
    server_properties,
)
from stagetests.sandbox.state import SandboxState
from stagetests.sandbox.tools import SERVER_JVM, Tools
from stagetests.sandbox.topology import SandboxServer
from stagetests.services.kafka import KafkaService
from stagetests.settings import Endpoint, Settings

__all__ = ["KafkaCluster"]

FORMAT_TIMEOUT_S = 120


class KafkaCluster:
    """Configs, storage, processes and readiness of the nodes ``prefix-<id>`` in ``folder``."""

    def __init__(self, settings: Settings, state: SandboxState, folder: Path, prefix: str,
                 nodes: Sequence[KafkaNode]) -> None:
        self.settings, self.state, self.folder = settings, state, folder
        self.prefix, self.nodes = prefix, list(nodes)
        self.tools = Tools(settings.sandbox.cache_dir)
        self.service = KafkaService(settings.kafka).at([n.broker for n in self.nodes])

    def node_dir(self, node: KafkaNode) -> Path:
        return self.folder / f"{self.prefix}-{node.node_id}"

    def name(self, node: KafkaNode) -> str:
        return f"{self.prefix}-{node.node_id}"

    def servers(self) -> list[SandboxServer]:
        heap = self.settings.sandbox.kafka_heap_mb
        servers = []
        for node in self.nodes:
            path = self.node_dir(node)
            argv = self.tools.java("kafka.Kafka", str(path / "server.properties"),
                                   jvm=(f"-Xmx{heap}m", "-Xms128m", *SERVER_JVM),
                                   log_config=self.folder / "log4j2-server.properties",
                                   logs_dir=path / "logs")
            process = self.state.process(self.name(node), argv)
            ports = (node.controller.port, *((node.link[0].port,) if node.link else ()))
            servers.append(SandboxServer(self.name(node), node.broker.port, process,
                                         functools.partial(self.role, node.broker),
                                         extra_ports=ports))
        return servers

    def prepare(self) -> None:
        """Write every node's config and format its storage with one new cluster id."""
        self.tools.require()
        (self.folder / "log4j2-server.properties").write_text(log4j2_properties("INFO"))
        (self.folder / "log4j2-tools.properties").write_text(log4j2_properties("WARN"))
        for node in self.nodes:
            path = self.node_dir(node)
            path.mkdir(parents=True)
            (path / "server.properties").write_text(
                server_properties(self.settings, node, self.nodes, path / "data"))
        cid = cluster_id()
        formats = [subprocess.Popen(
            self.tools.java("kafka.tools.StorageTool", "format", "-t", cid, "-c",
                            str(self.node_dir(node) / "server.properties"),
                            log_config=self.folder / "log4j2-tools.properties"),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for node in self.nodes]
        for node, child in zip(self.nodes, formats, strict=True):
            output, _ = child.communicate(timeout=FORMAT_TIMEOUT_S)
            if child.returncode != 0:
                tail = " | ".join(output.strip().splitlines()[-2:])
                raise SandboxError(f"formatting {self.name(node)} storage failed: {tail}")

    def start(self) -> None:
        # Together: no node finishes starting before a majority of controllers is up.
        for server in self.servers():
            server.process.start()

    def registered(self) -> str | bool:
        """True once every node is a registered, unfenced broker."""
        for server in self.servers():
            server.process.require_running()
        live = self.service.live_brokers()
        wanted = {n.node_id for n in self.nodes}
        if wanted <= set(live):
            return True
        return f"not yet: brokers {sorted(live)} of {sorted(wanted)} unfenced"

    def role(self, broker: Endpoint) -> str:
        node, live = self.service.node_at(broker)
        if node is None:
            return f"fenced ({live} live brokers)"
        leader = " + active controller" if self.service.at([broker]).quorum_leader() == node \
            else ""
        return f"broker {node}{leader}"
