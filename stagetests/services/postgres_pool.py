"""Client-side connection pooling (psycopg2's pool), with the wait for a free connection
measured separately from the query."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg2
from psycopg2.pool import ThreadedConnectionPool

from stagetests.measure.histogram import new_histogram
from stagetests.services.postgres import PostgresService
from stagetests.settings import Endpoint

__all__ = ["PooledClient", "connect_per_query"]


def connect_per_query(service: PostgresService, endpoint: Endpoint, sql: str = "select 1"
                      ) -> Callable[[], object]:
    """A new connection for every query, as a client without a pool (or behind PgBouncer)."""

    def run() -> object:
        with service.connect(endpoint) as conn, service._wrapped(endpoint), \
                conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()

    return run


@dataclass
class PooledClient:
    """``size`` kept connections shared by any number of threads. psycopg2's pool refuses
    when empty; the semaphore makes callers wait instead, as application pools do."""

    service: PostgresService
    endpoint: Endpoint
    size: int
    acquire_us: Any = field(default_factory=new_histogram)  # HdrHistogram of waits

    def __post_init__(self) -> None:
        with self.service._wrapped(self.endpoint):
            self.pool = ThreadedConnectionPool(1, self.size,
                                               **self.service._params(self.endpoint))
        self.free = threading.BoundedSemaphore(self.size)
        self.lock = threading.Lock()

    def op(self, sql: str = "select 1") -> Callable[[], object]:
        def run() -> object:
            started = time.perf_counter_ns()
            with self.free:
                waited = (time.perf_counter_ns() - started) // 1000
                with self.lock:
                    self.acquire_us.record_value(max(1, waited))
                with self.service._wrapped(self.endpoint):
                    conn = self.pool.getconn()
                    try:
                        conn.autocommit = True
                        with conn.cursor() as cur:
                            cur.execute(sql)
                            return cur.fetchone()
                    except psycopg2.Error:
                        self.pool.putconn(conn, close=True)
                        raise
                    finally:
                        if not conn.closed:
                            self.pool.putconn(conn)

        return run

    def close(self) -> None:
        self.pool.closeall()
