"""Eviction and memory management, on the eviction node only (never the Sentinel group):
per ``maxmemory-policy``, fill past a small ``maxmemory`` and judge what the policy did.

Redis' LRU and LFU are approximations (``maxmemory-samples`` keys per eviction), so the
verdicts are statistical: memory within the limit, evictions under pressure, a higher
hot-key hit ratio than random eviction, refused writes (not growth) under ``noeviction``.
"""

from __future__ import annotations

from typing import Any

from stagetests.services.redis_bench import BenchConnection, pack
from stagetests.session import SuiteSession
from stagetests.suites.cache.eviction_load import EvictionLoad, PolicyRun

__all__ = ["POLICIES", "eviction_policies"]

POLICIES = ("noeviction", "allkeys-lru", "allkeys-lfu", "volatile-ttl", "allkeys-random")
_SCENARIO = "eviction"


def eviction_policies(session: SuiteSession, policies: tuple[str, ...] = POLICIES,
                      maxmemory_mb: float = 8.0, duration_s: float = 0.0,
                      load: EvictionLoad | None = None, tolerance: float = 0.1,
                      min_hit_gain_pp: float = 1.0) -> list[PolicyRun]:
    """Each policy in turn on a flushed eviction node with ``maxmemory_mb``; its config
    (``maxmemory``, policy) is restored and its data flushed afterwards. Returns one
    ``PolicyRun`` per policy (samples over time for the plot); [] when not run."""
    node = session.settings.redis.eviction_node
    add, suite = session.run.add_metric, session.suite
    if node is None:
        add(suite, _SCENARIO, "policies run", None, "policies",
            note="not run: the profile names no eviction node")
        return []
    load = load or EvictionLoad()
    # Hot-key hits count only after the warm-up; leave at least a second of them.
    duration_s = max(session.duration(duration_s), load.warmup_s + 1.0)
    connection = BenchConnection(session.settings.redis, node)
    saved = _config(connection, "maxmemory", "maxmemory-policy")
    runs = []
    try:
        for policy in policies:
            limit = int(maxmemory_mb * 1024 * 1024)
            connection.call(pack([("FLUSHALL",), ("CONFIG", "RESETSTAT"),
                                  ("CONFIG", "SET", "maxmemory", limit,
                                   "maxmemory-policy", policy)]), 3)
            run = load.run(connection, PolicyRun(policy, limit), max(5.0, duration_s),
                           duration_s)
            _judge(session, run, tolerance)
            runs.append(run)
    finally:
        connection.call(pack([("FLUSHALL",), ("CONFIG", "SET", "maxmemory",
                                              saved["maxmemory"], "maxmemory-policy",
                                              saved["maxmemory-policy"])]), 2)
        connection.close()
    _compare(session, runs, min_hit_gain_pp)
    return runs


def _config(connection: BenchConnection, *names: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        reply: Any = connection.call(pack([("CONFIG", "GET", name)]))[0]
        found[name] = reply[1].decode()
    return found


def _judge(session: SuiteSession, run: PolicyRun, tolerance: float) -> None:
    add, suite, name = session.run.add_metric, session.suite, f"{_SCENARIO}: {run.policy}"
    final = run.final
    evicting = run.policy != "noeviction"
    pressure = f"pressure from {run.pressure_at_s:.1f} s" if run.pressure_at_s is not None \
        else "the limit was not reached while filling"
    add(suite, name, "peak used memory / maxmemory", run.peak_used / run.maxmemory, "x",
        1 + tolerance, note=f"peak {run.peak_used / 2**20:.2f} MiB of "
                            f"{run.maxmemory / 2**20:.2f} MiB; {pressure}")
    add(suite, name, "evicted keys", float(final["evicted_keys"]), "keys",
        1 if evicting else 0, "min" if evicting else "max")
    add(suite, name, "expired keys", float(final["expired_keys"]), "keys")
    ratio = run.hot_hit_ratio
    add(suite, name, "hot-key hit ratio", 100 * ratio if ratio is not None else None, "%",
        note=f"{run.hot_reads} reads of the hottest keys")
    add(suite, name, "fragmentation ratio", float(final["mem_fragmentation_ratio"]), "x")
    refused = ", ".join(f"{n} {kind}" for kind, n in sorted(run.refused.items())) or "none"
    if evicting:
        add(suite, name, "writes refused", sum(run.refused.values()), "writes", 0,
            note=f"of {run.writes} writes: {refused}")
    else:  # noeviction must refuse writes (OOM) instead of growing past the limit
        add(suite, name, "OOM errors seen by the client", run.oom_errors, "writes", 1, "min",
            note=f"of {run.writes} writes: {refused}")


def _compare(session: SuiteSession, runs: list[PolicyRun], min_gain_pp: float) -> None:
    """LRU and LFU against random: the hot keys' hit ratio, in percentage points."""
    ratios = {r.policy: r.hot_hit_ratio for r in runs}
    baseline = ratios.get("allkeys-random")
    for policy in ("allkeys-lru", "allkeys-lfu"):
        if policy not in ratios:
            continue
        mine = ratios[policy]
        gain = 100 * (mine - baseline) if mine is not None and baseline is not None else None
        note = "" if gain is not None else "not run: needs allkeys-random and reads of hot keys"
        session.run.add_metric(session.suite, f"{_SCENARIO}: {policy} vs allkeys-random",
                               "hot-key hit ratio gain", gain, "pp", min_gain_pp, "min",
                               note=note)
