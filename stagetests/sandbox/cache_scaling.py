"""Grow the Redis Cluster by a master and its replica, spread slots onto them, shrink back.

The same moves an operator makes (``redis-cli --cluster add-node`` / ``rebalance``), so a
scenario measures what clients see during them. Removal does not use ``del-node`` (it shuts
the node down): every member forgets the spare (``CLUSTER FORGET``, which bans its id for
60 s so gossip cannot bring it back) and the spare resets itself (``CLUSTER RESET HARD``),
so it stays running, empty and outside the cluster, as the sandbox started it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from stagetests.errors import InfrastructureError, ServiceError
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.services.redis import RedisService
from stagetests.settings import Endpoint, Settings

__all__ = ["ClusterNode", "ClusterScaler"]


@dataclass(frozen=True)
class ClusterNode:
    """One line of ``CLUSTER NODES``."""

    id: str
    endpoint: Endpoint
    flags: frozenset[str]
    master_id: str  # "-" for a master
    ranges: tuple[str, ...]  # "0-5460", "5461"...
    migrating: bool  # an open slot ("[slot->-id]" or "[slot-<-id]")

    @property
    def slots(self) -> int:
        return sum(int(r.split("-")[-1]) - int(r.split("-")[0]) + 1 for r in self.ranges)


@dataclass(frozen=True)
class ClusterScaler:
    settings: Settings

    @property
    def service(self) -> RedisService:
        return RedisService(self.settings.redis)

    def nodes(self, seen_from: Endpoint) -> list[ClusterNode]:
        """The cluster as ``seen_from`` knows it."""
        found = []
        for line in str(self.service.command(seen_from, "CLUSTER", "NODES")).splitlines():
            fields = line.split()
            node_id, address, flags, master = fields[:4]
            ranges = tuple(r for r in fields[8:] if not r.startswith("["))
            host, port = address.split("@")[0].rsplit(":", 1)
            found.append(ClusterNode(node_id, Endpoint(host or seen_from.host, int(port)),
                                     frozenset(flags.split(",")), master, ranges,
                                     len(ranges) < len(fields[8:])))
        return found

    def node_id(self, node: Endpoint) -> str:
        return str(self.service.command(node, "CLUSTER", "MYID"))

    def members(self) -> list[ClusterNode]:
        """Every node the cluster knows, as its first reachable configured node says."""
        return self.nodes(self._seed())

    def add(self, master: Endpoint, replica: Endpoint) -> None:
        """``master`` joins empty, ``replica`` joins as its replica; returns once every
        member agrees on the membership and the replica is linked."""
        seed = self._seed()
        self._cli("add-node", str(master), str(seed))
        self._wait_agreed(f"{master} joined", present=(master,))
        self._cli("add-node", str(replica), str(seed), "--cluster-slave",
                  "--cluster-master-id", self.node_id(master))
        self._wait_agreed(f"{replica} joined as replica of {master}", (master, replica),
                          linked=replica)

    def rebalance(self, drain: Endpoint | None = None) -> None:
        """Even out slots over the masters, empty ones included; with ``drain``, move every
        slot off that master instead (weight 0)."""
        extra = ["--cluster-weight", f"{self.node_id(drain)}=0"] if drain \
            else ["--cluster-use-empty-masters"]
        self._cli("rebalance", str(self._seed()), *extra)
        self._wait_agreed("slots settled after rebalance")

    def remove(self, spares: tuple[Endpoint, ...]) -> None:
        """Take ``spares`` (slot-less by now) out: replicas first, since no node may forget
        its own master; each then resets to an empty node outside the cluster."""
        by_endpoint = {n.endpoint: n for n in self.members()}
        present = [by_endpoint[s] for s in spares if s in by_endpoint]
        present.sort(key=lambda n: n.master_id == "-")  # replicas before masters
        for leaving in present:
            if leaving.slots:
                raise ServiceError(f"redis cluster: {leaving.endpoint} still owns "
                                   f"{leaving.slots} slots; drain it first")
            for member in self.members():
                if member.id != leaving.id and "fail" not in member.flags:
                    self.service.command(member.endpoint, "CLUSTER", "FORGET", leaving.id)
            self.service.command(leaving.endpoint, "CLUSTER", "RESET", "HARD")
        self._wait_agreed("spares forgotten")

    def shrink(self) -> None:
        """Back to the configured cluster: drain every spare that owns slots, then remove
        the spares (also what cleans up after a run cut short)."""
        spares = self.settings.redis.spare_cluster_nodes
        # A migration cut short leaves slots open (migrating on one node, importing on the
        # other), and redis-cli refuses to rebalance until they are closed.
        if any(n.migrating for m in self.members() for n in self.nodes(m.endpoint)
               if "myself" in n.flags):
            self._cli("fix", str(self._seed()))
            self._wait_agreed("open slots closed")
        for node in self.members():
            if node.endpoint in spares and node.slots:
                self.rebalance(drain=node.endpoint)
        self.remove(spares)

    def spares_idle(self) -> str | bool:
        """Every spare alone in its own cluster view and holding no key."""
        for spare in self.settings.redis.spare_cluster_nodes:
            known = self.service.cluster_info(spare).get("cluster_known_nodes")
            keys = self.service.command(spare, "DBSIZE")
            if known != "1" or keys:
                return f"not yet: spare {spare} knows {known} nodes, holds {keys} keys"
        return True

    def _seed(self) -> Endpoint:
        for node in self.settings.redis.cluster_nodes:
            try:
                self.service.command(node, "PING")
                return node
            except (ServiceError, InfrastructureError):  # a killed or loading node
                continue
        raise ServiceError("redis cluster: no configured node answers")

    def _agreed(self, present: tuple[Endpoint, ...], linked: Endpoint | None) -> str | bool:
        """Every member (``present`` included) sees the same nodes owning the same slots,
        ``present`` among them, none in handshake, failing or migrating: what
        ``redis-cli --cluster`` checks before it moves anything."""
        views = {e: self.nodes(e) for e in {*(m.endpoint for m in self.members()), *present}}
        ids = {frozenset((n.id, n.ranges) for n in view) for view in views.values()}
        odd = [n for view in views.values() for n in view
               if n.flags & {"handshake", "noaddr", "fail", "fail?"} or n.migrating]
        missing = [e for e in present for view in views.values()
                   if e not in {n.endpoint for n in view}]
        if len(ids) != 1 or odd or missing:
            return f"not yet: {len(ids)} membership views, {len(odd)} nodes flagged, " \
                   f"{len(missing)} views missing a new node"
        # A node that joined knows the slots a moment before it serves them: until then it
        # answers CLUSTERDOWN, and a slot migrated to it would fail.
        down = [e for e in views if self.service.cluster_info(e).get("cluster_state") != "ok"]
        if down:
            return f"not yet: {', '.join(map(str, down))} not serving (cluster_state)"
        if linked is not None:
            replication = self.service.info(linked, "replication")
            if replication.get("master_link_status") != "up":
                return f"not yet: {linked} not linked to its master"
        return True

    def _wait_agreed(self, what: str, present: tuple[Endpoint, ...] = (),
                     linked: Endpoint | None = None) -> None:
        WaitStrategy.on_servers("redis cluster", self.settings.sandbox.start_timeout_s) \
            .until(lambda: self._agreed(present, linked), what)

    def _cli(self, *args: str) -> str:
        env = dict(os.environ)
        if self.settings.redis.password is not None:
            env["REDISCLI_AUTH"] = self.settings.redis.password.reveal()  # keeps it out of argv
        result = subprocess.run(["redis-cli", "--cluster", *args, "--cluster-yes"],
                                capture_output=True, text=True, timeout=600, env=env,
                                check=False)
        output = result.stdout + result.stderr
        if result.returncode != 0 or "[ERR]" in output:
            tail = " | ".join(output.strip().splitlines()[-3:])
            raise ServiceError(f"redis-cli --cluster {args[0]} failed: "
                               f"{self.settings.scrub(tail)}")
        return output
