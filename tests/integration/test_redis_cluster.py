"""The Redis Cluster scenarios at smoke size: the grid, a real scale-out and shrink under
load, a master kill; and the cluster client's redirect handling underneath them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stagetests.errors import ServiceError
from stagetests.faults import FaultInjector
from stagetests.report.cluster_plots import migration_series, throughput_latency_curve
from stagetests.results import RunStore
from stagetests.sandbox.cache_scaling import ClusterScaler
from stagetests.sandbox.topology import Topology
from stagetests.services import redis_health
from stagetests.services.redis import RedisService
from stagetests.services.redis_cluster import ClusterClient, slot_of
from stagetests.session import SuiteSession
from stagetests.settings import Settings
from stagetests.suites.cache.cluster import cluster_grid, knee
from stagetests.suites.cache.cluster_failover import PLAIN, cluster_master_kill
from stagetests.suites.cache.cluster_scaling import cluster_scale_out
from stagetests.suites.cache.namespace import RedisNamespace

pytestmark = [pytest.mark.redis, pytest.mark.sandbox]


@pytest.fixture
def session(tmp_path: Path, cache: Topology, settings: Settings) -> Iterator[SuiteSession]:
    run = RunStore(tmp_path).create(settings.profile, ["cache"], {})
    yield SuiteSession(settings, run, "cache", FaultInjector(settings))


@pytest.fixture
def namespace(session: SuiteSession) -> Iterator[RedisNamespace]:
    space = RedisNamespace(session).open()
    yield space
    space.drop()


def test_cluster_client_follows_and_counts_moved_and_keeps_error_classes(
    session: SuiteSession, namespace: RedisNamespace
) -> None:
    client = ClusterClient(RedisService(session.settings.redis))
    keys = [namespace.key("client", i) for i in range(30)]
    client.refresh()
    first = session.settings.redis.cluster_nodes[0]
    for key in keys:  # an out-of-date map: every slot on one node, most of them are not
        client._slots[slot_of(key)] = first
    assert client.pipeline([("SET", k, k) for k in keys]) == [True] * len(keys)
    assert client.moved > 0
    moved = client.moved
    assert client.pipeline([("GET", k) for k in keys]) == keys
    assert client.moved == moved  # the map learnt from the redirects
    tag = namespace.key("{one}", "list")
    assert client.pipeline([("RPUSH", tag, i) for i in range(5)]) == [1, 2, 3, 4, 5]
    with pytest.raises(ServiceError) as raised:
        client.execute("INCR", tag)  # a list is not a counter
    assert raised.value.kind == "ResponseError"
    client.close()


def test_grid_rows_metrics_and_curve(session: SuiteSession, namespace: RedisNamespace) -> None:
    found = cluster_grid(session, namespace, clients=[1, 2], pipelines=[1, 4],
                         value_bytes=64, duration_s=1.0)
    rows = found["rows"]
    assert [(r["clients"], r["pipeline"]) for r in rows] == [(1, 1), (1, 4), (2, 1), (2, 4)]
    assert all(r["errors"] == 0 and r["ops_per_s"] > 0 for r in rows)
    assert all(r["commands_per_s"] == pytest.approx(r["ops_per_s"] * r["pipeline"])
               for r in rows)
    assert found["knee"] is None or found["knee"] in rows
    scenarios = set(session.run.metrics()["scenario"])
    assert {"cluster: 2 clients x P4", "cluster grid"} <= scenarios
    assert throughput_latency_curve(rows, found["knee"])._repr_png_()[0]


def test_scale_out_and_shrink_under_load_lose_no_key(
    session: SuiteSession, namespace: RedisNamespace
) -> None:
    outcome = cluster_scale_out(session, namespace, rate_per_s=100, duration_s=30,
                                before_s=2, keys_before=1000)
    assert outcome is not None
    assert [p.name for p in outcome.phases] == ["add", "rebalance", "shrink"]
    assert outcome.moved + outcome.ask > 0  # clients were redirected while slots moved
    assert outcome.ledger.lost == 0 and outcome.reads_wrong == 0
    assert outcome.ledger.acknowledged > 1000  # written before and during the moves
    assert sum(r["moved"] + r["ask"] for r in outcome.intervals) == outcome.moved + outcome.ask
    service = RedisService(session.settings.redis)
    assert redis_health.cluster_ok(service) is True
    scaler = ClusterScaler(session.settings)
    assert scaler.spares_idle() is True  # running, empty, outside the cluster
    assert {n.endpoint for n in scaler.members()} == set(session.settings.redis.cluster_nodes)
    metrics = session.run.metrics().set_index("metric")
    assert metrics.loc["keys lost", "verdict"] == "pass"
    assert migration_series(outcome.intervals, outcome.phases)._repr_png_()[0]


def test_master_kill_outage_is_measured_and_the_master_returns_as_replica(
    session: SuiteSession, namespace: RedisNamespace
) -> None:
    (outcome,) = cluster_master_kill(session, namespace, rate_per_s=40, before_s=1.5)
    window = outcome.window
    assert outcome.path == PLAIN
    assert window.duration_s is not None and 0 < window.duration_s < 60
    assert window.failed > 0 and outcome.ledger.duplicated == 0
    assert outcome.recovery_s is not None
    victim = next(n for n in session.settings.redis.cluster_nodes
                  if f"cluster-{n.port}" == outcome.fault.target)
    service = RedisService(session.settings.redis)
    assert redis_health.cluster_ok(service) is True
    assert redis_health.replica_linked(service, victim) is True
    assert outcome.budget_s is not None and outcome.budget_s > 2.0


def test_knee_is_the_last_step_that_still_paid() -> None:
    def row(clients: int, depth: int, rate: float, p99: float) -> dict[str, float]:
        return {"clients": clients, "pipeline": depth, "commands_per_s": rate, "p99_ms": p99}

    rising = [row(1, 1, 100, 1.0), row(2, 1, 190, 1.1), row(4, 1, 300, 1.5)]
    assert knee(rising) is None  # every step gained 10% or more
    flat = [*rising, row(8, 1, 320, 4.0), row(16, 1, 330, 9.0)]
    assert knee(flat) == rising[-1]  # 4 -> 8 clients: +7% throughput, p99 x2.7
