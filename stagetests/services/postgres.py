"""PostgreSQL adapter: connections with timeouts, health, a canary; psycopg2 stops here."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import psycopg2
from psycopg2 import sql

from stagetests.errors import (
    AuthenticationError,
    ConfigError,
    ServiceError,
    ServiceUnreachableError,
)
from stagetests.services.probe import EndpointProbe, timed_probe
from stagetests.settings import Endpoint, PostgresSettings, Secret

__all__ = ["PostgresService"]

_AUTH_MARKERS = ("authentication failed", "no password supplied", "28P01", "28000")
CANARY_TABLE = "stagetests_canary"


@dataclass(frozen=True)
class PostgresService:
    """Talks to the endpoints of one ``PostgresSettings`` as one user and database."""

    settings: PostgresSettings

    def as_user(self, user: str, password: Secret | None, database: str) -> PostgresService:
        """The same endpoints, other credentials (the sandbox's superuser, say)."""
        return PostgresService(
            replace(self.settings, user=user, password=password, database=database)
        )

    @contextmanager
    def connect(self, endpoint: Endpoint | None = None) -> Iterator[Any]:
        """An autocommit connection to ``endpoint`` (default: the writer), closed afterwards."""
        target = endpoint or self.settings.writer
        with self.wrapped(target):
            conn = psycopg2.connect(**self.connection_params(target))
        try:
            conn.autocommit = True
            yield conn
        finally:
            conn.close()

    def query(self, sql: str, args: Sequence[object] = (), endpoint: Endpoint | None = None
              ) -> list[tuple[Any, ...]]:
        """Rows of one statement on a fresh connection (empty for statements without rows)."""
        target = endpoint or self.settings.writer
        with self.connect(target) as conn, self.wrapped(target), conn.cursor() as cur:
            cur.execute(sql, args or None)  # no args: a literal % stays a %
            return list(cur.fetchall()) if cur.description else []

    def statement(self, sql: str, endpoint: Endpoint | None = None,
                  multihost: bool = False) -> Callable[..., object]:
        """An operation for a load driver: ``sql`` with the call's arguments on one kept
        connection, reopened after a failure (as a pooled client would), errors wrapped.

        ``multihost`` connects the way libpq failover clients do: every node listed,
        ``target_session_attrs=read-write``, instead of through the writer endpoint.
        """
        target = endpoint or self.settings.writer
        params = self._multihost_params() if multihost else self.connection_params(target)
        held: list[Any] = []

        def run(*args: object) -> object:
            with self.wrapped(target):
                if not held or held[0].closed:
                    held[:] = [psycopg2.connect(**params)]
                    held[0].autocommit = True
                try:
                    with held[0].cursor() as cur:
                        cur.execute(sql, args or None)
                        return cur.fetchone() if cur.description else None
                except psycopg2.Error:
                    held[0].close()  # a failed node or a read-only one: reconnect next time
                    raise

        return run

    def probe(self, name: str, endpoint: Endpoint) -> EndpointProbe:
        """Role (primary/replica) and server version at ``endpoint``, timed."""

        def ask() -> tuple[str, str]:
            rows = self.query("select pg_is_in_recovery(), current_setting('server_version')",
                              endpoint=endpoint)
            in_recovery, version = rows[0]
            return ("replica" if in_recovery else "primary"), f"PostgreSQL {version}"

        return timed_probe(name, endpoint, ask)

    def canary(self, endpoint: Endpoint | None = None) -> int:
        """Write a row through ``endpoint`` and read it back; returns the row id."""
        target = endpoint or self.settings.writer
        with self.connect(target) as conn, self.wrapped(target), conn.cursor() as cur:
            cur.execute(f"create table if not exists {CANARY_TABLE} "
                        "(id bigserial primary key, written_at timestamptz default now())")
            cur.execute(f"insert into {CANARY_TABLE} default values returning id")
            row_id = int(cur.fetchone()[0])
            cur.execute(f"select id from {CANARY_TABLE} where id = %s", (row_id,))
            if cur.fetchone() is None:
                raise ServiceError(f"postgres {target}: canary row {row_id} not readable")
            return row_id

    def ensure_login(self, user: str, password: Secret, database: str) -> None:
        """Create (or re-password) login ``user`` and its own ``database``; needs a superuser."""
        target = self.settings.writer
        with self.connect(target) as conn, self.wrapped(target), conn.cursor() as cur:
            role = sql.Identifier(user)
            cur.execute("select 1 from pg_roles where rolname = %s", (user,))
            verb = "alter" if cur.fetchone() else "create"
            cur.execute(sql.SQL(verb + " role {} login password %s").format(role),
                        (password.reveal(),))
            # Health validation reads pg_stat_replication and pg_locks in full.
            cur.execute(sql.SQL("grant pg_monitor to {}").format(role))
            cur.execute("select 1 from pg_database where datname = %s", (database,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create database {} owner {}").format(
                    sql.Identifier(database), role))

    def connection_params(self, endpoint: Endpoint) -> dict[str, object]:
        """psycopg2's connect() arguments, password in clear: for services/ only."""
        s = self.settings
        params: dict[str, object] = {
            "host": endpoint.host, "port": endpoint.port, "dbname": s.database, "user": s.user,
            # libpq takes whole seconds and treats anything below 2 as 2.
            "connect_timeout": max(2, math.ceil(s.connect_timeout_s)),
            "sslmode": s.sslmode, "application_name": "stagetests",
        }
        if s.password is not None:
            params["password"] = s.password.reveal()
        if s.sslrootcert:
            params["sslrootcert"] = s.sslrootcert
        return params

    def _multihost_params(self) -> dict[str, object]:
        if not self.settings.nodes:
            raise ConfigError("postgres.nodes is empty: a multi-host connection needs them")
        params = self.connection_params(self.settings.nodes[0])
        params["host"] = ",".join(n.host for n in self.settings.nodes)
        params["port"] = ",".join(str(n.port) for n in self.settings.nodes)
        params["target_session_attrs"] = "read-write"
        return params

    @contextmanager
    def wrapped(self, endpoint: Endpoint) -> Iterator[None]:
        """Turn psycopg2 errors into the stagetests tree, naming the endpoint, masking secrets."""
        try:
            yield
        except psycopg2.Error as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            if self.settings.password is not None:
                reason = self.settings.password.scrub(reason)
            where = f"postgres {endpoint} (user {self.settings.user})"
            code, kind = exc.pgcode or "", type(exc).__name__
            if any(marker in f"{reason} {code}" for marker in _AUTH_MARKERS):
                raise AuthenticationError(f"{where}: {reason}", kind) from exc
            if isinstance(exc, psycopg2.OperationalError) and not code:
                raise ServiceUnreachableError(f"{where}: {reason}", kind) from exc
            sqlstate = f" [SQLSTATE {code}]" if code else ""
            raise ServiceError(f"{where}: {reason}{sqlstate}", kind) from exc
