"""PostgreSQL health probes, and the proof that they notice a stopped replica."""

from __future__ import annotations

from typing import Any

from stagetests.scenarios.health import HealthProbe, ProbeResult, detect_stopped
from stagetests.services.patroni import PatroniApi
from stagetests.services.postgres import PostgresService
from stagetests.session import SuiteSession

__all__ = ["detect_stopped_replica", "health_probes", "replica_name"]


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


def detect_stopped_replica(session: SuiteSession, probes: list[HealthProbe],
                           max_ms: float) -> list[ProbeResult]:
    """Stop one replica (gracefully) and run the probes: a failed check must name it."""
    replica = replica_name(session)
    return detect_stopped(session, probes, replica, replica.removeprefix("patroni-"), max_ms)


def replica_name(session: SuiteSession) -> str:
    """A sandbox server name of one current replica (to stop it during health validation)."""
    members = PatroniApi(session.settings.postgres.patroni_api).members()
    return "patroni-" + next(m.name for m in members if m.role != "leader")
