"""Generated Kafka and MirrorMaker configs, and the cached tools, without starting a JVM."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagetests import cli
from stagetests.errors import SandboxError
from stagetests.profiles import load_settings
from stagetests.registry import SUITES
from stagetests.sandbox.kafka_configs import (
    KafkaNode,
    cluster_id,
    mirror_maker_properties,
    server_properties,
)
from stagetests.sandbox.messaging import MessagingTopology
from stagetests.sandbox.tools import Tools
from stagetests.settings import Endpoint


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_region_a_nodes_vote_together_and_advertise_their_link() -> None:
    settings = load_settings("local")
    nodes = MessagingTopology(settings).nodes()
    props = _props(server_properties(settings, nodes[1], nodes, Path("/data")))
    assert props["node.id"] == "2"
    assert props["controller.quorum.voters"] == \
        "1@127.0.0.1:19092,2@127.0.0.1:19093,3@127.0.0.1:19094"
    assert props["default.replication.factor"] == "3"
    assert props["min.insync.replicas"] == "2"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert "LINK://127.0.0.1:9193" in props["listeners"]
    assert "LINK://127.0.0.1:29093" in props["advertised.listeners"]


def test_a_single_node_cluster_sizes_replication_to_one() -> None:
    settings = load_settings("local")
    node = KafkaNode(1, Endpoint("127.0.0.1", 9095), Endpoint("127.0.0.1", 19095))
    props = _props(server_properties(settings, node, [node], Path("/data")))
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert "LINK" not in props["listeners"]


def test_mirror_maker_reads_region_a_only_through_the_links() -> None:
    settings = load_settings("local")
    props = _props(mirror_maker_properties(
        settings, settings.sandbox.kafka_link_proxies, settings.region_b.kafka))
    assert props["A.bootstrap.servers"] == "127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094"
    assert props["B.bootstrap.servers"] == "127.0.0.1:9095"
    assert props["A->B.enabled"] == "true" and props["B->A.enabled"] == "false"
    assert props["replication.factor"] == "1"


def test_cluster_ids_look_like_kafkas_own() -> None:
    ids = {cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)


def test_missing_tools_name_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="sandbox install"):
        Tools(tmp_path).require()


def test_every_suite_is_a_cli_choice(capsys: pytest.CaptureFixture[str]) -> None:
    assert {"database", "cache", "messaging", "cross-region", "all"} == set(SUITES)
    assert cli.main(["sandbox", "status", "--suite", "queues"]) == 2
    assert "cross-region" in capsys.readouterr().err
