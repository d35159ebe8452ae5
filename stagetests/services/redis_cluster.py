"""A slot-aware Redis Cluster client for load: one per worker, redirects followed and counted.

redis-py's ``RedisCluster`` follows MOVED/ASK too, but silently and with its own retries; a
scenario about slot migration needs to see every redirect (how many, when) and every
failure, so this client keeps one plain ``redis.Redis`` per node (retry disabled), a slot
map read from ``CLUSTER SLOTS``, and counts what it follows.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import redis
from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

from stagetests.errors import ServiceError, ServiceUnreachableError
from stagetests.services.redis import RedisService
from stagetests.services.redis_clients import wrapped
from stagetests.settings import Endpoint

__all__ = ["ClusterClient", "slot_of"]

Command = Sequence[object]


def slot_of(key: str) -> int:
    """The hash slot of ``key`` (its ``{hash tag}`` only, when it has one)."""
    return int(key_slot(key.encode()))


def _unserved(answer: object) -> bool:
    return isinstance(answer, redis.exceptions.ClusterDownError) \
        and "not served" in str(answer)


class ClusterClient:
    """Commands routed by the slot of their key (``args[1]``); never retries on failures.

    ``MOVED``: the slot map is corrected, counted, and the command sent to the new owner;
    so is a "slot not served" reply (from a node removed from the cluster), after the map
    is re-read.
    ``ASK``: the command goes once to the importing node behind ``ASKING``, counted; the map
    stays (the slot is still the source's until the migration ends). A connection error or
    ``CLUSTERDOWN`` raises (wrapped) and marks the map stale: the next command re-reads it,
    which is how a failover's new master is found.
    """

    def __init__(self, service: RedisService, timeout_s: float | None = None,
                 max_redirects: int = 5) -> None:
        self.service, self.timeout_s, self.max_redirects = service, timeout_s, max_redirects
        self.moved = self.ask = 0
        self.unserved = 0  # "slot not served" replies from a node that left: map re-read
        self.redirects: list[tuple[int, str]] = []  # (monotonic ns, "MOVED" | "ASK")
        self._nodes: dict[Endpoint, redis.Redis] = {}
        self._slots: list[Endpoint | None] = [None] * REDIS_CLUSTER_HASH_SLOTS
        self._stale = True

    def refresh(self) -> None:
        """Read the slot map from the first node that answers (configured, spare, known)."""
        s = self.service.settings
        last: Exception | None = None
        for node in dict.fromkeys((*s.cluster_nodes, *s.spare_cluster_nodes, *self._nodes)):
            try:
                with wrapped(f"redis {node}", s.password):
                    reply = self._node(node).execute_command("CLUSTER SLOTS")  # type: ignore[no-untyped-call]
            except ServiceUnreachableError as exc:
                last = exc
                continue
            if not reply:  # a spare outside the cluster knows no slots
                continue
            for start, end, master, *_replicas in reply:
                owner = Endpoint(str(master[0]) or node.host, int(master[1]))
                self._slots[int(start):int(end) + 1] = [owner] * (int(end) - int(start) + 1)
            self._stale = False
            return
        raise ServiceUnreachableError(f"redis cluster: no node gave its slot map ({last})",
                                      "ConnectionError")

    def owner(self, key: str) -> Endpoint:
        """The node this client believes serves ``key``'s slot."""
        if self._stale:
            self.refresh()
        found = self._slots[slot_of(key)]
        if found is None:
            raise ServiceError(f"redis cluster: slot {slot_of(key)} of {key} has no owner",
                               "ClusterDownError")
        return found

    def execute(self, *args: object) -> Any:
        """One keyed command; its decoded reply."""
        return self.pipeline([args])[0]

    def pipeline(self, commands: Sequence[Command]) -> list[Any]:
        """Keyed commands, one pipeline per owning node (one round trip when they share a
        slot, e.g. by a hash tag); redirected commands are re-sent, each counted. Replies in
        order; an error reply raises, wrapped, once every reply is in."""
        replies: list[Any] = [None] * len(commands)
        pending = {i: (self.owner(str(c[1])), False) for i, c in enumerate(commands)}
        for _ in range(self.max_redirects + 1):
            groups: dict[tuple[Endpoint, bool], list[int]] = defaultdict(list)
            for index, route in pending.items():
                groups[route].append(index)
            pending = {}
            for (node, asking), indexes in groups.items():
                answers = self._send(node, [commands[i] for i in indexes], asking)
                for index, answer in zip(indexes, answers, strict=True):
                    again = self._reroute(answer, str(commands[index][1]))
                    if again is None:
                        replies[index] = answer
                    else:
                        pending[index] = again
            if not pending:
                break
        else:
            raise self._too_many()
        for reply in replies:
            if isinstance(reply, redis.RedisError):
                with wrapped("redis cluster", self.service.settings.password):
                    raise reply
        return replies

    def write_acknowledged(self, replicas: int, timeout_ms: int, *command: object) -> Any:
        """``command`` then ``WAIT replicas timeout_ms`` on the key's owner, in one round
        trip; the reply only when enough replicas confirmed it, else a ``ServiceError``
        (kind ``NotReplicated``): the write may exist on the master alone."""
        key = str(command[1])
        node, asking = self.owner(key), False
        for _ in range(self.max_redirects + 1):
            reply, confirmed = self._send(node, [command, ("WAIT", replicas, timeout_ms)],
                                          asking)
            if (again := self._reroute(reply, key)) is None:
                break
            node, asking = again
        else:
            raise self._too_many()
        with wrapped(f"redis {node}", self.service.settings.password):
            if isinstance(reply, redis.RedisError):
                raise reply
        if int(confirmed) < replicas:
            raise ServiceError(f"redis {node}: {confirmed} of {replicas} replicas confirmed "
                               f"within {timeout_ms} ms", "NotReplicated")
        return reply

    def _reroute(self, answer: object, key: str) -> tuple[Endpoint, bool] | None:
        """Where to send a command again (node, behind ASKING?), or None: ``answer`` is
        its reply. A "slot not served" reply comes from a node that left the cluster: not
        an outage but an old map, as with MOVED; the map is re-read."""
        if isinstance(answer, redis.exceptions.AskError):
            return self._redirect(answer)
        if _unserved(answer):
            self.unserved += 1
            self.refresh()
            return self.owner(key), False
        return None

    def _too_many(self) -> ServiceError:
        return ServiceError(f"redis cluster: still redirected after {self.max_redirects} "
                            "redirects", "TooManyRedirects")

    def _redirect(self, error: redis.exceptions.AskError) -> tuple[Endpoint, bool]:
        target = Endpoint(error.host, int(error.port))
        moved = isinstance(error, redis.exceptions.MovedError)
        if moved:
            self._slots[error.slot_id] = target
            self.moved += 1
        else:
            self.ask += 1
        self.redirects.append((time.monotonic_ns(), "MOVED" if moved else "ASK"))
        return target, not moved

    def _send(self, node: Endpoint, commands: Sequence[Command], asking: bool) -> list[Any]:
        """Commands on ``node`` in one round trip, error replies in place of answers."""
        with wrapped(f"redis {node}", self.service.settings.password):
            try:
                pipe = self._node(node).pipeline(transaction=False)
                for command in commands:
                    if asking:  # ASKING admits only the next command: one before each
                        pipe.execute_command("ASKING")  # type: ignore[no-untyped-call]
                    pipe.execute_command(*command)  # type: ignore[no-untyped-call]
                answers = list(pipe.execute(raise_on_error=False))
            except (redis.ConnectionError, redis.TimeoutError):
                self._stale = True  # the node may be gone for good: re-read the map
                raise
        if any(isinstance(a, redis.exceptions.ClusterDownError) for a in answers):
            self._stale = True
        return answers[1::2] if asking else answers

    def _node(self, node: Endpoint) -> redis.Redis:
        client = self._nodes.get(node)
        if client is None:
            # One kept connection per node, built as every other kept connection is.
            client = self._nodes[node] = self.service.redis_client(node, timeout_s=self.timeout_s)
        return client

    def close(self) -> None:
        for client in self._nodes.values():
            client.close()
        self._nodes.clear()
