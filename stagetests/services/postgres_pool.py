"""Client-side connection pooling, with the wait for a free connection measured separately
from the query."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg2

from stagetests.measure.histogram import new_histogram
from stagetests.services.postgres import PostgresService
from stagetests.settings import Endpoint

__all__ = ["PooledClient", "connect_per_query"]


def connect_per_query(service: PostgresService, endpoint: Endpoint, sql: str = "select 1"
                      ) -> Callable[[], object]:
    """A new connection for every query, as a client without a pool (or behind PgBouncer)."""

    def run() -> object:
        with service.connect(endpoint) as conn, service.wrapped(endpoint), \
                conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()

    return run


@dataclass
class PooledClient:
    """``size`` kept connections shared by any number of threads, handed to waiters first
    come, first served. (A semaphore lets a releasing thread take the connection straight
    back, so a few threads starve for whole seconds: that measures Python, not the pool.)"""

    service: PostgresService
    endpoint: Endpoint
    size: int
    acquire_us: Any = field(default_factory=new_histogram)  # HdrHistogram of waits

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.waiters: collections.deque[tuple[threading.Event, list[Any]]] = \
            collections.deque()
        with self.service.wrapped(self.endpoint):
            self.free = [self._connect() for _ in range(self.size)]

    def _connect(self) -> Any:
        conn = psycopg2.connect(**self.service.connection_params(self.endpoint))
        conn.autocommit = True
        return conn

    def _acquire(self) -> Any:
        with self.lock:
            if self.free:
                return self.free.pop()
            handoff: tuple[threading.Event, list[Any]] = (threading.Event(), [])
            self.waiters.append(handoff)
        handoff[0].wait()
        return handoff[1][0]

    def _release(self, conn: Any) -> None:
        with self.lock:
            if self.waiters:
                event, slot = self.waiters.popleft()
                slot.append(conn)
                event.set()
            else:
                self.free.append(conn)

    def op(self, sql: str = "select 1") -> Callable[[], object]:
        def run() -> object:
            started = time.perf_counter_ns()
            conn = self._acquire()
            waited = (time.perf_counter_ns() - started) // 1000
            with self.lock:
                self.acquire_us.record_value(max(1, waited))
            try:
                with self.service.wrapped(self.endpoint):
                    if conn.closed:
                        conn = self._connect()
                    with conn.cursor() as cur:
                        cur.execute(sql)
                        return cur.fetchone()
            except Exception:
                conn.close()  # replaced by a fresh one on its next use
                raise
            finally:
                self._release(conn)

        return run

    def close(self) -> None:
        with self.lock:
            for conn in self.free:
                conn.close()
            self.free.clear()
