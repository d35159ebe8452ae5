"""Test data in its own namespace: a schema per run, seeded, dropped, and swept when orphaned."""

from __future__ import annotations

import atexit
import random
import re
import time
from dataclasses import dataclass, field

from stagetests.scenarios.namespace import orphan_age_s, record_cleanup, run_token
from stagetests.services.postgres import PostgresService
from stagetests.session import SuiteSession

__all__ = ["PgNamespace", "schema_for"]

PREFIX = "st_"
_RUN_ID = re.compile(r"^st_(\d{8})_(\d{6})_[0-9a-f]{4}$")
_FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Radia", "Leslie", "Frances")
_LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Perlman", "Lamport")


def schema_for(run_id: str) -> str:
    return PREFIX + run_token(run_id)


@dataclass
class PgNamespace:
    """The run's schema: every table a scenario makes lives here and goes with it."""

    session: SuiteSession
    created: int = 0
    removed: int = 0
    swept: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    @property
    def schema(self) -> str:
        return schema_for(self.session.run.run_id)

    @property
    def postgres(self) -> PostgresService:
        return PostgresService(self.session.settings.postgres)

    def create(self) -> PgNamespace:
        self.postgres.query(f"create schema if not exists {self.schema}")
        self.created += 1
        # A failed or interrupted notebook still drops it when its kernel shuts down.
        atexit.register(self.drop)
        return self

    def table(self, name: str, columns: str) -> str:
        qualified = f"{self.schema}.{name}"
        self.postgres.query(f"create table if not exists {qualified} ({columns})")
        self.created += 1
        self.tables.append(qualified)
        return qualified

    def seed_customers(self, rows: int, seed: int = 7) -> str:
        """``rows`` realistic customers (names, emails, balances, sign-up times)."""
        table = self.table("customers", "id bigserial primary key, name text, email text, "
                                        "balance numeric(12,2), signed_up timestamptz")
        rng = random.Random(seed)
        values = []
        for index in range(rows):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            values.append((f"{first} {last}", f"{first}.{last}.{index}@example.test".lower(),
                           round(rng.lognormvariate(4, 1.2), 2),
                           time.time() - rng.uniform(0, 3 * 365 * 86400)))
        with self.postgres.connect() as conn, conn.cursor() as cur:
            cur.executemany(f"insert into {table} (name, email, balance, signed_up) "
                            "values (%s, %s, %s, to_timestamp(%s))", values)
        self.created += rows
        return table

    def objects(self) -> int:
        """Tables and rows in the namespace now (0 once dropped)."""
        tables = self.postgres.query(
            "select table_name from information_schema.tables where table_schema = %s",
            (self.schema,))
        rows = sum(int(self.postgres.query(f"select count(*) from {self.schema}.{t[0]}")[0][0])
                   for t in tables)
        exists = self.postgres.query("select 1 from pg_namespace where nspname = %s",
                                     (self.schema,))
        return len(exists) + len(tables) + rows

    def drop(self) -> int:
        """Drop the namespace and everything in it; returns the objects it held."""
        held = self.objects()
        if held:
            self.postgres.query(f"drop schema if exists {self.schema} cascade")
        self.removed += held
        atexit.unregister(self.drop)
        return held

    def sweep_orphans(self, older_than_s: float) -> list[str]:
        """Drop namespaces of earlier runs (crashed, killed) older than ``older_than_s``."""
        swept = []
        for (name,) in self.postgres.query(
                "select nspname from pg_namespace where nspname like 'st\\_%'"):
            age = orphan_age_s(name, run_token(self.session.run.run_id))
            if _RUN_ID.match(name) and age is not None and age > older_than_s:
                self.postgres.query(f"drop schema if exists {name} cascade")
                swept.append(name)
        self.swept += swept
        return swept

    def finish(self) -> dict[str, int]:
        """Drop the namespace and judge the cleanup: nothing may be left over."""
        self.drop()
        left = self.objects()
        return {**record_cleanup(self.session, self.created, left, len(self.swept),
                                 "objects", "schemas"), "removed": self.removed}
