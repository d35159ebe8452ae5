"""A bare Redis connection for benchmarks: a socket, pre-packed RESP bytes and hiredis.

redis-py spends most of a round trip in Python (about 20k unpipelined SETs/s on one thread
here, against ~50k/s for a socket and hiredis' reader). redis-benchmark pre-builds its
request buffer once; ``BenchConnection`` does the same: a worker packs its commands once
(``pack``) and sends the same bytes on every call. No retries, no reconnects: a failure is
an error of the operation that met it, with the server's or the socket's error in ``kind``.
"""

from __future__ import annotations

import functools
import itertools
import os
import socket
import ssl
from collections.abc import Callable, Sequence
from typing import Any

import hiredis
import redis

from stagetests.errors import ServiceError, ServiceUnreachableError
from stagetests.settings import Endpoint, RedisSettings

__all__ = ["DRIVER", "BenchConnection", "bench_op", "key_slot", "pack", "worker_tag"]

DRIVER = f"raw socket + hiredis {hiredis.__version__} (redis-py {redis.__version__})"
_RECV = 1 << 16
_workers = itertools.count()


def pack(commands: Sequence[Sequence[object]]) -> bytes:
    """Commands as one RESP request buffer (what a pipeline sends in one write)."""
    out = bytearray()
    for command in commands:
        out += b"*%d\r\n" % len(command)
        for arg in command:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out += b"$%d\r\n%s\r\n" % (len(data), data)
    return bytes(out)


def key_slot(key: str) -> int:
    """The cluster hash slot of ``key`` (CRC16 of its hash tag, as the server computes it)."""
    return int(redis.crc.key_slot(key.encode()))


def worker_tag() -> str:
    """A name no other worker of this machine uses now: process id and a counter."""
    return f"w{os.getpid()}-{next(_workers)}"


class BenchConnection:
    """One kept socket to one server; replies parsed by hiredis."""

    def __init__(self, settings: RedisSettings, endpoint: Endpoint) -> None:
        self.where = f"redis {endpoint}"
        self._reader = hiredis.Reader()
        try:
            sock = socket.create_connection((endpoint.host, endpoint.port),
                                            timeout=settings.socket_timeout_s)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if settings.tls:
                context = ssl.create_default_context(cafile=settings.tls_ca_certs)
                sock = context.wrap_socket(sock, server_hostname=endpoint.host)
        except OSError as exc:
            raise ServiceUnreachableError(f"{self.where}: {exc}", type(exc).__name__) from exc
        self._sock = sock
        if settings.password is not None:
            self.call(pack([("AUTH", settings.password.reveal())]), 1)

    def exchange(self, packed: bytes, replies: int) -> list[Any]:
        """Send ``packed`` and read ``replies`` replies; an error reply comes back in the
        list as a ``ServiceError`` (kind: the server's error code, e.g. ``OOM``), not raised,
        so a caller can count refused commands in a pipeline."""
        try:
            self._sock.sendall(packed)
            found: list[Any] = []
            while len(found) < replies:
                reply = self._reader.gets()
                if reply is False:
                    chunk = self._sock.recv(_RECV)
                    if not chunk:
                        raise ConnectionResetError("server closed the connection")
                    self._reader.feed(chunk)
                    continue
                found.append(self._failure(reply) if isinstance(reply, hiredis.ReplyError)
                             else reply)
            return found
        except OSError as exc:
            raise ServiceUnreachableError(f"{self.where}: {exc}", type(exc).__name__) from exc

    def call(self, packed: bytes, replies: int = 1) -> list[Any]:
        """Like ``exchange``, but the first error reply is raised."""
        found = self.exchange(packed, replies)
        for reply in found:
            if isinstance(reply, ServiceError):
                raise reply
        return found

    def _failure(self, reply: Exception) -> ServiceError:
        text = str(reply)
        return ServiceError(f"{self.where}: {text}", text.split(" ", 1)[0] or "ReplyError")

    def close(self) -> None:
        self._sock.close()


def _send(connection: BenchConnection, packed: bytes, replies: int) -> object:
    return connection.call(packed, replies)


def bench_op(settings: RedisSettings, route: Callable[[str], Endpoint],
             build: Callable[[str], Sequence[Sequence[object]]]) -> Callable[[], object]:
    """A load operation for one worker (call it from ``make_op``): a fresh worker tag, the
    commands ``build(tag)`` packed once, sent on a connection to ``route(tag)``. ``route``
    and ``build`` must be picklable (module-level functions or partials) for processes."""
    tag = worker_tag()
    commands = build(tag)
    connection = BenchConnection(settings, route(tag))
    return functools.partial(_send, connection, pack(commands), len(commands))
