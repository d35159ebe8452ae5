"""The one suite registry: what each ``--suite`` runs, starts and probes.

Adding a suite touches this file only: its notebook, its sandbox topologies (each suite
brings its region B behind the shared links) and the endpoints ``check`` probes. Groups
(``cross-region``, ``all``) combine suites.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stagetests.endpoints import (
    Probe,
    cache_endpoints,
    database_endpoints,
    messaging_endpoints,
)
from stagetests.errors import UsageError
from stagetests.sandbox.cache import CacheTopology
from stagetests.sandbox.database import DatabaseTopology
from stagetests.sandbox.links import LinkTopology
from stagetests.sandbox.messaging import MessagingTopology
from stagetests.sandbox.region_b import CacheRegionB, DatabaseRegionB
from stagetests.sandbox.region_b_kafka import MessagingRegionB
from stagetests.sandbox.topology import Topology
from stagetests.settings import Settings

__all__ = ["RUNNABLE", "SUITES", "Suite", "stopping", "suite_named", "topologies"]


@dataclass(frozen=True)
class Suite:
    """``notebooks`` run by ``stagetests run --suite name`` (none: not runnable, only a
    sandbox/check selection), the topologies it starts, the endpoints it probes."""

    name: str
    notebooks: tuple[str, ...]
    topologies: tuple[type[Topology], ...]
    endpoints: tuple[Callable[[Settings], list[Probe]], ...]


REGION_B = (DatabaseRegionB, CacheRegionB, MessagingRegionB)
_ALL = (DatabaseTopology, CacheTopology, MessagingTopology, LinkTopology, *REGION_B)
_EVERY_ENDPOINT = (database_endpoints, cache_endpoints, messaging_endpoints)

SUITES: dict[str, Suite] = {suite.name: suite for suite in (
    Suite("database", ("database",), (DatabaseTopology, LinkTopology, DatabaseRegionB),
          (database_endpoints,)),
    Suite("cache", ("cache",), (CacheTopology, LinkTopology, CacheRegionB), (cache_endpoints,)),
    Suite("messaging", ("messaging",), (MessagingTopology, LinkTopology, MessagingRegionB),
          (messaging_endpoints,)),
    Suite("cross-region", (), _ALL, _EVERY_ENDPOINT),
    Suite("all", ("database", "cache", "messaging"), _ALL, _EVERY_ENDPOINT),
)}
RUNNABLE = tuple(name for name, suite in SUITES.items() if suite.notebooks)


def suite_named(name: str) -> Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise UsageError(f"unknown suite {name!r} (choose from {', '.join(SUITES)})") from None


def topologies(settings: Settings, suite: str) -> list[Topology]:
    """The topologies of ``suite``, in start order."""
    return [kind(settings) for kind in suite_named(suite).topologies]


def stopping(settings: Settings, suite: str) -> list[Topology]:
    """The topologies ``down --suite`` stops, in stop order: the links stay while another
    suite's region B still runs over them."""
    selected = topologies(settings, suite)
    chosen = {type(t) for t in selected}
    others_need_links = any(kind(settings).running() for kind in REGION_B
                            if kind not in chosen)
    return [t for t in reversed(selected)
            if not (isinstance(t, LinkTopology) and others_need_links)]
