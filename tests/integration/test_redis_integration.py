"""Every scenario of the cache suite at smoke size, on the real Sentinel group, Redis Cluster,
eviction node and region B: the kept and cluster clients, Sentinel failovers, cluster grid,
scale-out and master kill, cross-region sync, eviction policies and the benchmarks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from stagetests.errors import ServiceError
from stagetests.faults import FaultInjector
from stagetests.report.cache_plots import benchmark_latency, benchmark_table, eviction_charts
from stagetests.report.cluster_plots import migration_series, throughput_latency_curve
from stagetests.results import RunStore
from stagetests.sandbox.cache_scaling import ClusterScaler
from stagetests.sandbox.topology import Topology
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.scenarios.lag import lag_at_latencies
from stagetests.services import redis_health
from stagetests.services.redis import RedisService
from stagetests.services.redis_cluster import ClusterClient, slot_of
from stagetests.session import SuiteSession
from stagetests.settings import Settings
from stagetests.suites.cache.bench_speed import redis_speed, speed_table_rows
from stagetests.suites.cache.benchmark import latency_benchmark
from stagetests.suites.cache.cluster import cluster_grid
from stagetests.suites.cache.cluster_failover import PLAIN as CLUSTER_PLAIN
from stagetests.suites.cache.cluster_failover import cluster_master_kill
from stagetests.suites.cache.cluster_scaling import cluster_scale_out
from stagetests.suites.cache.eviction import POLICIES, eviction_policies
from stagetests.suites.cache.failover import FAULTS, PLAIN, REPLICATED, sentinel_failover
from stagetests.suites.cache.namespace import RedisNamespace
from stagetests.suites.cache.sync import canary_paths, resync_after_cut

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


def test_kept_clients_keep_the_error_class_and_follow_the_sentinels(
    session: SuiteSession, namespace: RedisNamespace
) -> None:
    service = RedisService(session.settings.redis)
    master = service.master_client()
    key = namespace.key("kept")
    assert master.pipeline([("RPUSH", key, 1), ("RPUSH", key, 2)]) == [1, 2]
    assert master.write_acknowledged(1, 1000, "RPUSH", key, 3) == 3
    with pytest.raises(ServiceError) as raised:
        master.execute("INCR", key)  # a list is not a counter
    assert raised.value.kind == "ResponseError"
    master.close()


@pytest.mark.parametrize("fault", FAULTS)
def test_sentinel_failover_outage_ledger_and_recovery(
    session: SuiteSession, namespace: RedisNamespace, cache: Topology, fault: str
) -> None:
    outcomes = {o.path: o for o in sentinel_failover(
        session, namespace, fault, rate_per_s=30, before_s=1.5, after_s=6, outage_max_s=30)}
    assert set(outcomes) == {PLAIN, REPLICATED}
    for outcome in outcomes.values():
        assert outcome.window.duration_s is not None and outcome.window.duration_s < 30
        assert outcome.ledger.acknowledged > 30 and outcome.ledger.duplicated == 0
        assert outcome.recovery_s is not None
    if fault != "sentinel failover":
        # A crashed or frozen master is detected before its replicas stop confirming.
        assert outcomes[REPLICATED].ledger.lost == 0
    lost = session.run.metrics().query("metric == 'acknowledged writes lost'")
    verdicts = dict(zip(lost["scenario"], lost["verdict"], strict=True))
    assert verdicts[f"sentinel failover: {fault} via {PLAIN}"] == "info"  # a finding
    assert verdicts[f"sentinel failover: {fault} via {REPLICATED}"] in ("pass", "fail")
    WaitStrategy("redis", timeout_s=60).until(
        lambda: redis_health.serving(RedisService(session.settings.redis)), "serving")


@pytest.mark.cross_region
def test_region_b_lag_grows_with_the_link_and_resyncs_partially_then_fully(
    session: SuiteSession, namespace: RedisNamespace, cache_region_b: Topology
) -> None:
    write, visible = canary_paths(session, namespace)
    series = lag_at_latencies(session, "cross-region sync", "redis", write, visible, [0, 100],
                              samples=5, interval_s=0.1, max_ms=1000)
    fast, slow = (s.percentile_ms(50) for s in series)
    assert fast is not None and slow is not None and slow >= 100 > fast
    partial = resync_after_cut(session, namespace, 1.0, 8, None, 10, "partial")
    full = resync_after_cut(session, namespace, 1.0, 128, 16384, 10, "full")
    assert (partial["resync"], full["resync"]) == ("partial", "full")
    assert partial["catch_up_s"] is not None and full["catch_up_s"] is not None


def test_namespace_removes_its_keys_and_sweeps_crashed_runs(session: SuiteSession) -> None:
    service = RedisService(session.settings.redis)
    master = service.master_client()
    master.execute("SET", "st:20200101_000000_dead:orphan", "1")
    space = RedisNamespace(session).open()
    master.pipeline([("SET", space.key("row", i), i) for i in range(50)])
    space.wrote(50)
    assert space.count() == 50
    assert "st:20200101_000000_dead" in space.sweep_orphans(older_than_s=3600)
    assert master.execute("EXISTS", "st:20200101_000000_dead:orphan") == 0
    cleanup = space.finish()
    assert cleanup["created"] == 50 and cleanup["left over"] == 0
    master.close()


# Cluster -----------------------------------------------------------------------------------

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
    assert outcome.path == CLUSTER_PLAIN
    assert window.duration_s is not None and 0 < window.duration_s < 60
    assert window.failed > 0 and outcome.ledger.duplicated == 0
    assert outcome.recovery_s is not None
    victim = next(n for n in session.settings.redis.cluster_nodes
                  if f"cluster-{n.port}" == outcome.fault.target)
    service = RedisService(session.settings.redis)
    assert redis_health.cluster_ok(service) is True
    assert redis_health.replica_linked(service, victim) is True
    assert outcome.budget_s is not None and outcome.budget_s > 2.0


# Eviction ----------------------------------------------------------------------------------

def test_policies_evict_or_refuse_within_the_limit_and_restore_the_node(
    session: SuiteSession
) -> None:
    node = session.settings.redis.eviction_node
    assert node is not None
    service = RedisService(session.settings.redis)
    before = service.command(node, "CONFIG", "GET", "maxmemory*")
    runs = eviction_policies(session, maxmemory_mb=6, duration_s=2.5)
    by_policy = {run.policy: run for run in runs}
    assert tuple(by_policy) == POLICIES
    for run in runs:
        assert run.pressure_at_s is not None, run.policy  # the limit was reached
        assert run.peak_used <= 1.1 * run.maxmemory, run.policy
        evicted = int(run.final["evicted_keys"])
        if run.policy == "noeviction":
            assert evicted == 0 and run.oom_errors > 0  # refused, counted, no crash
        else:
            assert evicted > 0 and not run.refused, run.policy
    # Approximate LRU/LFU: only the direction is asserted, never a margin or an order.
    random_ratio = by_policy["allkeys-random"].hot_hit_ratio
    assert random_ratio is not None
    assert by_policy["allkeys-lfu"].hot_hit_ratio > random_ratio  # type: ignore[operator]
    assert by_policy["allkeys-lru"].hot_hit_ratio > random_ratio  # type: ignore[operator]
    metrics = session.run.metrics()
    oom = metrics[metrics.metric == "OOM errors seen by the client"]
    assert list(oom.verdict) == ["pass"]
    assert set(metrics[metrics.metric == "evicted keys"].verdict) == {"pass"}
    # The node is as it was: no maxmemory left behind, no data.
    assert service.command(node, "CONFIG", "GET", "maxmemory*") == before
    assert service.command(node, "DBSIZE") == 0
    charts = eviction_charts(runs)
    assert len(charts) == len(POLICIES) and charts[0]._repr_png_()[0].startswith(b"\x89PNG")


def test_a_profile_without_an_eviction_node_records_not_run(
    tmp_path: Path, settings: Settings
) -> None:
    bare = dataclasses.replace(settings, redis=dataclasses.replace(settings.redis,
                                                                   eviction_node=None))
    run = RunStore(tmp_path).create(bare.profile, ["cache"], {})
    session = SuiteSession(bare, run, "cache", FaultInjector(bare))
    assert eviction_policies(session) == []
    row = session.run.metrics().iloc[0]
    assert row.verdict == "not run" and row.note == "not run: the profile names no eviction node"


# Benchmark ---------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["master", "cluster"])
def test_latency_per_command_beside_redis_benchmark(
    session: SuiteSession, namespace: RedisNamespace, target: str
) -> None:
    rows = latency_benchmark(session, namespace, target, commands=("SET", "MGET"),
                             pipelined=("GET",), depth=4, rate_per_s=200, duration_s=1.0)
    assert [r["label"] for r in rows] == ["SET", "MGET", "GET -P 4"]
    for row in rows:
        fixed = row["fixed_rate"]
        assert fixed["errors"] == 0 and row["our"]["errors"] == 0, row["label"]
        assert fixed["mean_ms"] > 0 and fixed["p99.9_ms"] >= fixed["p99_ms"] > 0
        assert row["our_rate_per_s"] > 0 and row["native_rate_per_s"] > 0
        assert row["ratio"] == pytest.approx(row["our_rate_per_s"] / row["native_rate_per_s"])
        assert "hiredis" in row["driver"]
    metrics = session.run.metrics()
    assert set(metrics[metrics.metric == "errors"].verdict) == {"pass"}
    assert len(metrics[metrics.metric == "mean latency"]) == 3
    assert benchmark_latency(rows)._repr_png_()[0].startswith(b"\x89PNG")
    assert "redis-benchmark ops/s" in benchmark_table(rows)._repr_html_()
    # Ours and redis-benchmark's keys are all under the run's prefix: cleanup finds them.
    assert namespace.count() > 0
    assert namespace.finish()["removed"] > 0 and namespace.count() == 0


def test_speed_table_with_worker_processes_leaves_no_keys(settings: Settings,
                                                          cache: Topology) -> None:
    rows = redis_speed(settings, duration_s=1.0, clients=2, processes=2, commands=("SET",))
    table = speed_table_rows(rows)
    assert [t[:2] for t in table] == [("unpipelined", "SET"), ("-P 16", "SET")]
    assert all(r["ratio"] > 0 and "2 process(es)" in r["driver"] for r in rows)
    service = RedisService(settings.redis)
    master = service.sentinel_master(settings.redis.sentinels[0])
    assert master is not None
    client = service.client(master)
    try:  # only benchmarks write keys with a "bench" part
        assert list(client.scan("st:*:bench:*")) == []
    finally:
        client.close()
