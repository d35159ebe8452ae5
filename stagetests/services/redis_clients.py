"""Kept Redis connections for load: one client per worker, its errors wrapped with their kind.

A plain client talks to one endpoint. A Sentinel client asks the Sentinels for the master on
every new connection, so after a failure (the connection is dropped) the next command finds
the new master; a demoted master's READONLY reply drops the connection the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import redis

from stagetests.errors import AuthenticationError, ServiceError, ServiceUnreachableError
from stagetests.settings import Secret

__all__ = ["RedisClient", "wrapped"]


@contextmanager
def wrapped(where: str, password: Secret | None) -> Iterator[None]:
    """Turn redis-py errors into the stagetests tree: named endpoint, masked secrets, and the
    client's error class in ``kind`` (ConnectionError, ReadOnlyError, OutOfMemoryError...)."""
    try:
        yield
    except redis.RedisError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if password is not None:
            reason = password.scrub(reason)
        kind = type(exc).__name__
        if isinstance(exc, redis.AuthenticationError) or reason.startswith(("NOAUTH", "AUTH")):
            raise AuthenticationError(f"{where}: {reason}", kind) from exc
        if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
            raise ServiceUnreachableError(f"{where}: {reason}", kind) from exc
        raise ServiceError(f"{where}: {reason}", kind) from exc


class RedisClient:
    """One kept connection (a pool of one) to a server, or to whichever server the
    Sentinels name as master; never retries on its own, so outages stay visible."""

    def __init__(self, client: redis.Redis, where: str, password: Secret | None) -> None:
        self._client = client
        self.where = where
        self._password = password

    def execute(self, *args: object) -> Any:
        """One command; its decoded reply."""
        with wrapped(self.where, self._password):
            return self._client.execute_command(*args)  # type: ignore[no-untyped-call]

    def pipeline(self, commands: Sequence[Sequence[object]]) -> list[Any]:
        """Commands sent together (no MULTI) and their replies; a reply that is an error
        raises it, wrapped, after every reply was read."""
        with wrapped(self.where, self._password):
            pipe = self._client.pipeline(transaction=False)
            for command in commands:
                pipe.execute_command(*command)  # type: ignore[no-untyped-call]
            return list(pipe.execute())

    def write_acknowledged(self, replicas: int, timeout_ms: int, *command: object) -> Any:
        """``command`` then ``WAIT replicas timeout_ms`` in one round trip: the reply only
        when at least ``replicas`` replicas confirmed it, else a ``ServiceError``
        (kind ``NotReplicated``): the write may exist on the master alone."""
        reply, confirmed = self.pipeline([command, ("WAIT", replicas, timeout_ms)])
        if int(confirmed) < replicas:
            # A master without replicas may have been demoted or cut off: reconnect, so a
            # Sentinel client asks the Sentinels again instead of writing on there.
            self._client.connection_pool.disconnect()
            raise ServiceError(f"{self.where}: {confirmed} of {replicas} replicas confirmed "
                               f"within {timeout_ms} ms", "NotReplicated")
        return reply

    def scan(self, pattern: str, count: int = 1000) -> Iterator[str]:
        """Every key matching ``pattern`` (SCAN, never KEYS: a big server stays responsive)."""
        with wrapped(self.where, self._password):
            yield from self._client.scan_iter(match=pattern, count=count)

    def close(self) -> None:
        self._client.close()
