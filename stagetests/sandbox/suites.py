"""Which sandbox topologies each ``--suite`` needs."""

from __future__ import annotations

from stagetests.errors import UsageError
from stagetests.sandbox.cache import CacheTopology
from stagetests.sandbox.database import DatabaseTopology
from stagetests.sandbox.links import LinkTopology
from stagetests.sandbox.messaging import MessagingTopology
from stagetests.sandbox.region_b import CacheRegionB, DatabaseRegionB
from stagetests.sandbox.region_b_kafka import MessagingRegionB
from stagetests.sandbox.topology import Topology
from stagetests.settings import Settings

__all__ = ["SUITES", "stopping", "topologies"]

REGION_B = (DatabaseRegionB, CacheRegionB, MessagingRegionB)
# Each suite brings its region B (cross-region scenarios need it) behind the shared links.
SUITES: dict[str, tuple[type[Topology], ...]] = {
    "database": (DatabaseTopology, LinkTopology, DatabaseRegionB),
    "cache": (CacheTopology, LinkTopology, CacheRegionB),
    "messaging": (MessagingTopology, LinkTopology, MessagingRegionB),
    "cross-region": (DatabaseTopology, CacheTopology, MessagingTopology, LinkTopology,
                     *REGION_B),
    "all": (DatabaseTopology, CacheTopology, MessagingTopology, LinkTopology, *REGION_B),
}


def topologies(settings: Settings, suite: str) -> list[Topology]:
    """The topologies of ``suite``, in start order."""
    try:
        kinds = SUITES[suite]
    except KeyError:
        raise UsageError(f"unknown suite {suite!r} (choose from {', '.join(SUITES)})") from None
    return [kind(settings) for kind in kinds]


def stopping(settings: Settings, suite: str) -> list[Topology]:
    """The topologies ``down --suite`` stops, in stop order: the links stay while another
    suite's region B still runs over them."""
    selected = topologies(settings, suite)
    chosen = {type(t) for t in selected}
    others_need_links = any(kind(settings).running() for kind in REGION_B
                            if kind not in chosen)
    return [t for t in reversed(selected)
            if not (isinstance(t, LinkTopology) and others_need_links)]
