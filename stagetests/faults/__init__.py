"""Faults the suites inject: process kills and freezes, failovers, slow or cut links.

Every fault is reversible and recorded with its start and end time by a ``FaultInjector``,
which refuses all of them on a profile without ``allow_destructive: true``.
"""

from stagetests.faults.base import Fault, FaultInjector, FaultRecord
from stagetests.faults.failover import PatroniSwitchover, SentinelFailover
from stagetests.faults.links import LinkBandwidth, LinkCut, LinkLatency
from stagetests.faults.postgres import PatroniKill, PostmasterKill
from stagetests.faults.processes import Kill, Restart, Stop
from stagetests.faults.targets import (
    ServerTarget,
    broker,
    partition_leader,
    patroni_leader,
    redis_master,
    server,
)

__all__ = [
    "Fault", "FaultInjector", "FaultRecord", "Kill", "LinkBandwidth", "LinkCut", "LinkLatency",
    "PatroniKill", "PatroniSwitchover", "PostmasterKill", "Restart", "SentinelFailover",
    "ServerTarget", "Stop", "broker", "partition_leader", "patroni_leader", "redis_master",
    "server",
]
