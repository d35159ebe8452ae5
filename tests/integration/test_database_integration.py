"""The database suite's five scenarios at smoke size, on the real HA sandbox and region B."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stagetests.faults import FaultInjector
from stagetests.results import RunStore
from stagetests.sandbox.topology import Topology
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.scenarios.health import health_checks
from stagetests.scenarios.lag import catch_up_after_cut, lag_at_latencies
from stagetests.services.postgres import PostgresService
from stagetests.session import SuiteSession
from stagetests.settings import Settings
from stagetests.suites.database.failover import FAULTS, canary_paths, database_failover
from stagetests.suites.database.health import detect_stopped_replica, health_probes
from stagetests.suites.database.namespace import PgNamespace
from stagetests.suites.database.pool import compare_with_pgbench, pool_curve

pytestmark = [pytest.mark.postgres, pytest.mark.sandbox]


@pytest.fixture
def session(tmp_path: Path, database: Topology, settings: Settings) -> Iterator[SuiteSession]:
    run = RunStore(tmp_path).create(settings.profile, ["database"], {})
    yield SuiteSession(settings, run, "database", FaultInjector(settings))


@pytest.fixture
def namespace(session: SuiteSession) -> Iterator[PgNamespace]:
    space = PgNamespace(session).create()
    yield space
    space.drop()


def test_pool_curve_shows_waits_beyond_the_pool_and_compares_with_pgbench(
    session: SuiteSession
) -> None:
    rows = pool_curve(session, clients=[2, 8], pool_size=2, duration_s=1.0)
    assert len(rows) == 6 and all(r["errors"] == 0 and r["throughput_per_s"] > 0 for r in rows)
    waits = {r["clients"]: r["acquire_max_ms"] for r in rows if r["acquire_max_ms"] is not None}
    assert waits[8] > waits[2]  # 8 clients queue for 2 connections
    compared = compare_with_pgbench(session, rows, clients=2, duration_s=1.0)
    assert {c["pgbench"] for c in compared} == {"pgbench", "pgbench -C"}
    assert all(c["ratio"] > 0 for c in compared)


@pytest.mark.cross_region
def test_cross_region_lag_grows_with_the_link_and_catches_up_after_a_cut(
    session: SuiteSession, namespace: PgNamespace, region_b: list[Topology]
) -> None:
    table = namespace.table("canaries", "marker text primary key, "
                                        "written_at timestamptz default clock_timestamp()")
    write, visible = canary_paths(session, table)
    series = lag_at_latencies(session, "replication", "postgres", write, visible,
                              [0, 100], samples=5, interval_s=0.2, max_ms=1000)
    fast, slow = (s.percentile_ms(50) for s in series)
    assert fast is not None and slow is not None and slow >= 100 > fast
    assert catch_up_after_cut(session, "replication", "postgres", write, visible,
                              cut_s=1.0, writes=5, max_s=10) is not None


@pytest.mark.parametrize("fault", FAULTS)
def test_failover_outage_and_ledger_on_both_paths(
    session: SuiteSession, namespace: PgNamespace, database: Topology, fault: str
) -> None:
    table = namespace.table("writes", "id bigserial primary key, path text, item bigint")
    outcomes = database_failover(session, fault, table, rate_per_s=20, before_s=2,
                                 after_s=8, outage_max_s=30)
    assert [o.path for o in outcomes] == ["writer endpoint", "multi-host"]
    for outcome in outcomes:
        assert outcome.window.duration_s is not None and outcome.window.duration_s < 30
        assert outcome.ledger.acknowledged > 50 and outcome.ledger.duplicated == 0
        assert outcome.recovery_s is not None
    metrics = session.run.metrics()
    assert set(metrics["metric"]) >= {"outage", "acknowledged writes lost", "failover budget"}
    database.wait_ready()


def test_health_checks_name_a_stopped_replica(session: SuiteSession) -> None:
    probes = health_probes(session)

    def all_healthy() -> bool:
        return all(r.healthy for r in health_checks(session, "health", probes, repetitions=1))

    # An earlier failover may leave a slot or a replica settling for a moment.
    WaitStrategy("healthy", timeout_s=60).until(all_healthy, "healthy")
    found = {r.name: r for r in detect_stopped_replica(session, probes, max_ms=100)}
    assert not found["replication"].healthy
    named = session.run.metrics().set_index("metric").loc["stopped replica named"]
    assert named["verdict"] == "pass", named["note"]
    WaitStrategy("healthy", timeout_s=60).until(all_healthy, "healthy again")


def test_namespace_is_seeded_cleaned_and_orphans_swept(session: SuiteSession) -> None:
    postgres = PostgresService(session.settings.postgres)
    postgres.query("create schema if not exists st_20200101_000000_dead")
    space = PgNamespace(session).create()
    space.seed_customers(500)
    assert space.objects() == 1 + 1 + 500
    assert "st_20200101_000000_dead" in space.sweep_orphans(older_than_s=3600)
    assert space.drop() == 502 and space.objects() == 0
    assert space.removed == space.created


def test_split_brain_is_reported_as_a_finding_not_judged(
    session: SuiteSession, namespace: PgNamespace, database: Topology
) -> None:
    table = namespace.table("writes", "id bigserial primary key, path text, item bigint")
    outcomes = database_failover(session, "split brain", table, rate_per_s=20, before_s=2,
                                 after_s=10, outage_max_s=30)
    by_path = {o.path: o for o in outcomes}
    # HAProxy asks Patroni, which is dead on the old primary: that path never splits.
    assert by_path["writer endpoint"].ledger.lost == 0
    lost = session.run.metrics().query("metric == 'acknowledged writes lost'")
    assert set(lost["verdict"]) == {"info"}
    assert all("finding" in note for note in lost["note"])
    database.wait_ready()
