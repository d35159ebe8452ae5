"""The cache suite's scenarios at smoke size, on the real Sentinel group, Cluster and region B."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stagetests.errors import ServiceError
from stagetests.faults import FaultInjector
from stagetests.results import RunStore
from stagetests.sandbox.topology import Topology
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.scenarios.lag import lag_at_latencies
from stagetests.services import redis_health
from stagetests.services.redis import RedisService
from stagetests.session import SuiteSession
from stagetests.settings import Settings
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
