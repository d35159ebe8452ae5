"""The database suite's pieces for the generic scenarios: write paths, faults, budgets."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Hashable

from stagetests.faults import (
    Fault,
    Kill,
    PatroniKill,
    PatroniSwitchover,
    PostmasterKill,
    patroni_leader,
)
from stagetests.scenarios.failover import FailoverOutcome, WritePath, failover, repeated
from stagetests.services.patroni import PatroniApi
from stagetests.services.postgres import PostgresService
from stagetests.session import SuiteSession
from stagetests.settings import Settings

__all__ = ["FAULTS", "canary_paths", "database_failover", "database_failovers",
           "failover_budget_s", "write_paths"]

FAULTS = ("switchover", "node crash", "postmaster kill")


def _fault(name: str) -> Fault:
    faults: dict[str, Callable[[], Fault]] = {
        "switchover": PatroniSwitchover, "node crash": lambda: Kill(patroni_leader()),
        "postmaster kill": lambda: PostmasterKill(0), "split brain": PatroniKill}
    return faults[name]()


def failover_budget_s(settings: Settings, fault: str) -> float:
    """How long Patroni's own timings let the leader be missing before a new one serves:
    a crash waits out the leader key's ttl and one more loop; a planned switchover or a dead
    postmaster (primary_start_timeout 0) is noticed within a loop or two."""
    box = settings.sandbox
    if fault == "node crash":
        return float(box.patroni_ttl + box.patroni_loop_wait)
    return float(2 * box.patroni_loop_wait)


def write_paths(session: SuiteSession, table: str, tag: str) -> list[WritePath]:
    """Inserts through HAProxy's writer endpoint and through a libpq multi-host DSN; rows
    carry ``tag`` so each failover reads back its own writes only."""
    postgres = PostgresService(session.settings.postgres)
    insert = f"insert into {table} (path, item) values (%s, %s)"

    def read_back(name: str, path: str) -> list[tuple[Hashable, Hashable]]:
        rows = postgres.query(f"select item from {table} where path = %s order by id",
                              (path,))
        return [(name, row[0]) for row in rows]

    def writer(path: str, multihost: bool) -> Callable[[int], object]:
        run = postgres.statement(insert, multihost=multihost)
        return lambda item: run(path, item)

    return [WritePath(name, functools.partial(writer, f"{tag}/{name}", multihost),
                      functools.partial(read_back, name, f"{tag}/{name}"))
            for name, multihost in (("writer endpoint", False), ("multi-host", True))]


def database_failover(session: SuiteSession, fault: str, table: str, rate_per_s: float,
                      before_s: float, after_s: float, outage_max_s: float
                      ) -> list[FailoverOutcome]:
    """One fault against the Patroni leader with writes on both paths."""
    api = PatroniApi(session.settings.postgres.patroni_api)
    tag = f"{fault}-{uuid.uuid4().hex[:8]}"
    # Without a watchdog, killing only Patroni leaves two primaries: loss is the finding.
    finding = fault == "split brain"
    return failover(session, f"failover: {fault}", write_paths(session, table, tag),
                    _fault(fault),
                    api.healthy, rate_per_s=rate_per_s, before_s=before_s, after_s=after_s,
                    outage_max_s=outage_max_s, lost_max=None if finding else 0,
                    budget_s=None if finding else failover_budget_s(session.settings, fault))


def database_failovers(session: SuiteSession, faults: list[str], repetitions: int,
                       table: str, rate_per_s: float, before_s: float, after_s: float,
                       outage_max_s: float) -> list[FailoverOutcome]:
    """Every fault ``repetitions`` times, the cluster healthy again between them."""
    api = PatroniApi(session.settings.postgres.patroni_api)
    return repeated(session, faults, repetitions, api.healthy, lambda fault: database_failover(
        session, fault, table, rate_per_s, before_s, after_s, outage_max_s))


def canary_paths(session: SuiteSession, table: str
                 ) -> tuple[Callable[[str], object], Callable[[str], bool]]:
    """Write a canary on the leader; look for it on region B's standby."""
    postgres = PostgresService(session.settings.postgres)
    standby = session.settings.region_b.postgres
    write = postgres.statement(f"insert into {table} (marker) values (%s)")
    look = postgres.statement(f"select 1 from {table} where marker = %s", endpoint=standby)
    return (lambda marker: write(marker)), (lambda marker: look(marker) is not None)
