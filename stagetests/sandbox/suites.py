"""Which sandbox topologies each ``--suite`` needs."""

from __future__ import annotations

from stagetests.errors import UsageError
from stagetests.sandbox.cache import CacheTopology
from stagetests.sandbox.database import DatabaseTopology
from stagetests.sandbox.messaging import MessagingTopology
from stagetests.sandbox.topology import Topology
from stagetests.settings import Settings

__all__ = ["SUITES", "topologies"]

SUITES: dict[str, tuple[type[Topology], ...]] = {
    "database": (DatabaseTopology,),
    "cache": (CacheTopology,),
    "messaging": (MessagingTopology,),
    "all": (DatabaseTopology, CacheTopology, MessagingTopology),
}


def topologies(settings: Settings, suite: str) -> list[Topology]:
    """The topologies of ``suite``, in start order."""
    try:
        kinds = SUITES[suite]
    except KeyError:
        raise UsageError(f"unknown suite {suite!r} (choose from {', '.join(SUITES)})") from None
    return [kind(settings) for kind in kinds]
