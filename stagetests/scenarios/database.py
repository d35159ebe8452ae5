"""The database suite's pieces for the generic scenarios: write paths, faults, budgets."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

from stagetests.faults import Fault, Kill, PatroniSwitchover, PostmasterKill, patroni_leader
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.scenarios.failover import FailoverOutcome, WritePath, failover
from stagetests.scenarios.health import HealthProbe
from stagetests.services.patroni import PatroniApi
from stagetests.services.postgres import PostgresService
from stagetests.session import SuiteSession
from stagetests.settings import Settings

__all__ = ["FAULTS", "canary_paths", "database_failover", "database_failovers",
           "failover_budget_s", "health_probes", "replica_name", "write_paths"]

FAULTS = ("switchover", "node crash", "postmaster kill")


def _fault(name: str) -> Fault:
    faults: dict[str, Callable[[], Fault]] = {
        "switchover": PatroniSwitchover, "node crash": lambda: Kill(patroni_leader()),
        "postmaster kill": lambda: PostmasterKill(0)}
    return faults[name]()


def failover_budget_s(settings: Settings, fault: str) -> float:
    """How long Patroni's own timings let the leader be missing before a new one serves:
    a crash waits out the leader key's ttl and one more loop; a planned switchover or a dead
    postmaster (primary_start_timeout 0) is noticed within a loop or two."""
    box = settings.sandbox
    if fault == "node crash":
        return float(box.patroni_ttl + box.patroni_loop_wait)
    return float(2 * box.patroni_loop_wait)


def write_paths(session: SuiteSession, table: str) -> list[WritePath]:
    """Inserts through HAProxy's writer endpoint and through a libpq multi-host DSN."""
    postgres = PostgresService(session.settings.postgres)
    insert = f"insert into {table} (path, item) values (%s, %s)"

    def read_back(path: str) -> list[tuple[Hashable, Hashable]]:
        rows = postgres.query(f"select path, item from {table} where path = %s order by id",
                              (path,))
        return [(row[0], row[1]) for row in rows]

    def writer(path: str, multihost: bool) -> Callable[[int], object]:
        run = postgres.statement(insert, multihost=multihost)
        return lambda item: run(path, item)

    return [WritePath(name, functools.partial(writer, name, multihost),
                      functools.partial(read_back, name))
            for name, multihost in (("writer endpoint", False), ("multi-host", True))]


def database_failover(session: SuiteSession, fault: str, table: str, rate_per_s: float,
                      before_s: float, after_s: float, outage_max_s: float
                      ) -> list[FailoverOutcome]:
    """One fault against the Patroni leader with writes on both paths."""
    api = PatroniApi(session.settings.postgres.patroni_api)
    return failover(session, f"failover: {fault}", write_paths(session, table), _fault(fault),
                    api.healthy, rate_per_s=rate_per_s, before_s=before_s, after_s=after_s,
                    outage_max_s=outage_max_s,
                    budget_s=failover_budget_s(session.settings, fault))


def database_failovers(session: SuiteSession, faults: list[str], repetitions: int,
                       table: str, rate_per_s: float, before_s: float, after_s: float,
                       outage_max_s: float) -> list[FailoverOutcome]:
    """Every fault ``repetitions`` times, the cluster healthy again between them."""
    api = PatroniApi(session.settings.postgres.patroni_api)
    outcomes = []
    for fault in faults:
        for _ in range(repetitions):
            WaitStrategy("patroni", timeout_s=session.settings.sandbox.start_timeout_s).until(
                api.healthy, "healthy before the next fault")
            outcomes += database_failover(session, fault, table, rate_per_s, before_s,
                                          after_s, outage_max_s)
    return outcomes


def health_probes(session: SuiteSession) -> list[HealthProbe]:
    """What an on-call engineer checks first, each as one query (the user needs pg_monitor)."""
    pg = session.settings.postgres
    postgres, api = PostgresService(pg), PatroniApi(pg.patroni_api)

    def one(sql: str) -> Any:
        return postgres.query(sql)[0][0]

    def role() -> str | bool:
        return "writer endpoint reaches a replica" if one("select pg_is_in_recovery()") else True

    def replication() -> str | bool:
        streaming = {row[0] for row in postgres.query(
            "select application_name from pg_stat_replication where state = 'streaming'")}
        expected = {m.name for m in api.members() if m.role != "leader"} if pg.patroni_api \
            else set()
        missing = sorted(expected - streaming)
        return f"replicas not streaming: {', '.join(missing)}" if missing else True

    def lag() -> str | bool:
        worst = one("select coalesce(max(extract(epoch from replay_lag)), 0) "
                    "from pg_stat_replication")
        return True if worst < 1.0 else f"a replica replays {worst:.2f} s behind"

    def connections() -> str | bool:
        used = one("select count(*)::float / current_setting('max_connections')::int "
                   "from pg_stat_activity")
        return True if used < 0.8 else f"{used:.0%} of max_connections in use"

    def long_transactions() -> str | bool:
        count = one("select count(*) from pg_stat_activity where state <> 'idle' "
                    "and xact_start < now() - interval '60 seconds'")
        return True if count == 0 else f"{count} transactions open longer than 60 s"

    def waiting_locks() -> str | bool:
        count = one("select count(*) from pg_locks where not granted")
        return True if count == 0 else f"{count} lock requests waiting"

    def slots() -> str | bool:
        idle = [r[0] for r in postgres.query(
            "select slot_name from pg_replication_slots where not active")]
        return f"inactive replication slots: {', '.join(idle)}" if idle else True

    probes = [HealthProbe("writer role", role), HealthProbe("replication", replication),
              HealthProbe("replication lag", lag), HealthProbe("connections", connections),
              HealthProbe("long transactions", long_transactions),
              HealthProbe("waiting locks", waiting_locks),
              HealthProbe("replication slots", slots)]
    if pg.patroni_api:
        probes.append(HealthProbe("patroni cluster", api.healthy))
    return probes


def replica_name(session: SuiteSession) -> str:
    """A sandbox server name of one current replica (to stop it during health validation)."""
    members = PatroniApi(session.settings.postgres.patroni_api).members()
    return "patroni-" + next(m.name for m in members if m.role != "leader")


def canary_paths(session: SuiteSession, table: str
                 ) -> tuple[Callable[[str], object], Callable[[str], bool]]:
    """Write a canary on the leader; look for it on region B's standby."""
    postgres = PostgresService(session.settings.postgres)
    standby = session.settings.region_b.postgres
    write = postgres.statement(f"insert into {table} (marker) values (%s)")
    look = postgres.statement(f"select 1 from {table} where marker = %s", endpoint=standby)
    return (lambda marker: write(marker)), (lambda marker: look(marker) is not None)
