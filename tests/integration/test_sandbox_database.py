"""The PostgreSQL HA sandbox against real servers: endpoints, roles, a real switchover."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from stagetests import cli
from stagetests.errors import PortInUseError
from stagetests.sandbox.database import DatabaseTopology
from stagetests.sandbox.topology import Topology
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.services.patroni import PatroniApi
from stagetests.services.postgres import PostgresService
from stagetests.settings import Settings

pytestmark = pytest.mark.postgres


def test_writer_accepts_writes_and_reader_serves_from_a_replica(
    database: Topology, settings: Settings, unique_name: str
) -> None:
    service = PostgresService(settings.postgres)
    service.query(f"create table {unique_name} (id int primary key, note text)")
    try:
        service.query(f"insert into {unique_name} values (1, 'written')")
        assert service.query("select pg_is_in_recovery()") == [(False,)]
        read_back = WaitStrategy("reader", timeout_s=10, interval_s=0.05).until(
            lambda: service.query(f"select note from {unique_name} where id = 1",
                                  endpoint=settings.postgres.reader))
        assert read_back == [("written",)]
        assert service.query("select pg_is_in_recovery()",
                             endpoint=settings.postgres.reader) == [(True,)]
    finally:
        service.query(f"drop table if exists {unique_name}")


def test_pgbouncer_reaches_the_writer(database: Topology, settings: Settings) -> None:
    assert settings.postgres.pgbouncer is not None
    probe = PostgresService(settings.postgres).probe("pgbouncer", settings.postgres.pgbouncer)
    assert probe.reachable and probe.role == "primary"


def test_switchover_moves_the_writer_endpoint(database: Topology, settings: Settings) -> None:
    service = PostgresService(settings.postgres)
    patroni = PatroniApi(settings.postgres.patroni_api)
    before = service.query("select inet_server_port()")[0][0]
    leader = patroni.leader()
    assert leader is not None and leader.port == before
    candidate = next(m.name for m in patroni.members() if m.role != "leader")

    patroni.switchover(leader.name, candidate)

    def writer_moved() -> int | bool:
        port, in_recovery = service.query("select inet_server_port(), pg_is_in_recovery()")[0]
        return port if port != before and not in_recovery else False

    after = database.wait("writer endpoint after switchover").until(writer_moved, "moved")
    new_leader = patroni.leader()
    assert new_leader is not None and new_leader.name == candidate and new_leader.port == after
    database.wait_ready()  # the old leader rejoins as a streaming replica


def test_up_is_idempotent(database: Topology) -> None:
    assert database.up() is False


def test_check_reports_every_database_endpoint(
    database: Topology, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check", "--suite", "database", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    assert "postgres writer" in out and "pgbouncer" in out and " no " not in out


def test_a_wrong_password_fails_fast_with_exit_3(
    database: Topology, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGETESTS_POSTGRES_PASSWORD", "definitely-wrong")
    started = time.monotonic()
    assert cli.main(["check", "--suite", "database", "--profile", "smoke"]) == 3
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert "postgres writer" in err and "authentication failed" in err
    assert "definitely-wrong" not in err and err.count("\n") == 1


def test_a_taken_port_is_refused_by_name(database: Topology, settings: Settings) -> None:
    # A second topology on the same state dir would start the same servers; one on another
    # state dir finds the ports taken by the first.
    other = replace(settings, sandbox=replace(settings.sandbox,
                                              state_dir=settings.sandbox.state_dir / "other"))
    with pytest.raises(PortInUseError, match=r"port \d+ is already in use"):
        DatabaseTopology(other).up()
