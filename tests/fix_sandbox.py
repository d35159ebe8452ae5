"""Session fixtures: the real sandbox, started once per test session and stopped at the end.

``STAGETESTS_PROFILE`` picks the profile (default ``smoke``). With ``STAGETESTS_SANDBOX=external``
the servers of that profile are taken as they are (started by someone else, or remote) and
never started or stopped here; tests that need sandbox processes skip.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

from stagetests.errors import StagetestsError
from stagetests.profiles import load_settings
from stagetests.sandbox.cache import CacheTopology
from stagetests.sandbox.database import DatabaseTopology
from stagetests.sandbox.links import LinkTopology
from stagetests.sandbox.messaging import MessagingTopology
from stagetests.sandbox.region_b import CacheRegionB, DatabaseRegionB
from stagetests.sandbox.region_b_kafka import MessagingRegionB
from stagetests.sandbox.topology import Topology
from stagetests.services.kafka import KafkaService
from stagetests.settings import Settings


def external() -> bool:
    return os.environ.get("STAGETESTS_SANDBOX", "") == "external"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that take the sandbox down run after everything else."""
    items.sort(key=lambda item: item.get_closest_marker("sandbox_teardown") is not None)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(os.environ.get("STAGETESTS_PROFILE", "smoke"))


def _topology(topology: Topology) -> Iterator[Topology]:
    if external():
        yield topology
        return
    was_running = len(topology.running()) == len(topology.servers())
    try:
        topology.up()
    except StagetestsError as exc:
        topology.down()
        pytest.fail(f"sandbox {topology.name} did not start: {exc}")
    yield topology
    if not was_running:
        topology.down()


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Topology]:
    """The PostgreSQL HA topology, serving."""
    yield from _topology(DatabaseTopology(settings))


@pytest.fixture(scope="session")
def cache(settings: Settings) -> Iterator[Topology]:
    """The Redis Sentinel topology and the Redis Cluster, serving."""
    yield from _topology(CacheTopology(settings))


@pytest.fixture(scope="session")
def messaging(settings: Settings) -> Iterator[Topology]:
    """The 3-node KRaft Kafka cluster, serving."""
    yield from _topology(MessagingTopology(settings))


@pytest.fixture(scope="session")
def links(settings: Settings) -> Iterator[Topology]:
    """Toxiproxy with every region-A -> region-B link."""
    yield from _topology(LinkTopology(settings))


@pytest.fixture(scope="session")
def cache_region_b(cache: Topology, links: Topology) -> Iterator[Topology]:
    """Region B's Redis replica alone, fed through its link (the cache suite's region B)."""
    yield from _topology(CacheRegionB(cache.settings))


@pytest.fixture(scope="session")
def region_b_started(database: Topology, cache: Topology, messaging: Topology,
                     links: Topology) -> Iterator[list[Topology]]:
    settings = database.settings
    parts = [DatabaseRegionB(settings), CacheRegionB(settings), MessagingRegionB(settings)]
    with contextlib.ExitStack() as stack:
        for part in parts:
            stack.enter_context(contextlib.contextmanager(_topology)(part))
        yield parts


@pytest.fixture
def region_b(region_b_started: list[Topology]) -> list[Topology]:
    """Region B: standby, replica and mirrored Kafka, each fed through its link, and
    serving for this test: an async failover in an earlier test can leave the standby
    diverged from the new leader, and ``up`` clones it again (``DatabaseRegionB.broken``)."""
    if not external():
        for part in region_b_started:
            part.up()
    return region_b_started


@pytest.fixture
def kafka_topic(unique_name: str, settings: Settings) -> Iterator[str]:
    """A unique topic name; whatever the test created under it is deleted afterwards."""
    yield unique_name
    KafkaService(settings.kafka).delete_topics([unique_name])


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A name no other test uses: isolation inside the shared servers."""
    base = "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:40]
    return f"st_{base}_{uuid.uuid4().hex[:8]}"
