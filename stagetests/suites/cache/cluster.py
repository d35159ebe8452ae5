"""Redis Cluster performance: a GET/SET mix over a grid of clients x pipeline depth, the
throughput-latency curve it draws and its knee."""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Callable
from typing import Any

from stagetests.measure.drivers import closed_loop
from stagetests.services.redis import RedisService
from stagetests.services.redis_cluster import ClusterClient
from stagetests.session import SuiteSession
from stagetests.settings import RedisSettings
from stagetests.suites.cache.namespace import RedisNamespace

__all__ = ["GRID_SCENARIO", "cluster_grid", "knee"]

GRID_SCENARIO = "cluster grid"
HASH_TAGS = 64  # pipelines spread over many slots, so over every master


def _grid_op(redis: RedisSettings, tags: list[str], depth: int, value: str,
             get_ratio: float, opened: list[ClusterClient]) -> Callable[[], object]:
    """One worker: its own cluster client (added to ``opened``, to close after the run), one
    pipeline of ``depth`` commands per call, all on one hash tag (one slot, one round
    trip), the tags taken in turn from a random start. Module-level with plain arguments,
    so the driver can run it in worker processes (which close theirs on exit)."""
    client = ClusterClient(RedisService(redis))
    opened.append(client)
    start = random.randrange(len(tags))
    turn = itertools.cycle(tags[start:] + tags[:start])
    chance = random.Random()

    def op() -> object:
        tag = next(turn)
        return client.pipeline([("GET", f"{tag}:{j}") if chance.random() < get_ratio
                                else ("SET", f"{tag}:{j}", value) for j in range(depth)])
    return op


def _preload(namespace: RedisNamespace, tags: list[str], depth: int, value: str) -> None:
    """Every key the grid reads exists first: a GET of a missing key costs less than a hit."""
    client = ClusterClient(namespace.service)
    try:
        for tag in tags:
            client.pipeline([("SET", f"{tag}:{j}", value) for j in range(depth)])
    finally:
        client.close()
    namespace.wrote(len(tags) * depth)


def cluster_grid(session: SuiteSession, namespace: RedisNamespace, clients: list[int],
                 pipelines: list[int], value_bytes: int = 100, duration_s: float = 0,
                 get_ratio: float = 0.8, processes: int = 1) -> dict[str, Any]:
    """Each (clients, pipeline depth) as fast as the clients go for ``duration_s`` (0: the
    profile's). Returns ``{"rows": [...], "knee": row | None}``; a row holds clients,
    pipeline, ops_per_s (pipelines), commands_per_s, p50/p99/p99.9 ms (per pipeline round
    trip), errors and whether the generator kept up (else it, not the cluster, was the
    limit)."""
    if not session.settings.redis.cluster_nodes:
        session.run.add_metric(session.suite, GRID_SCENARIO, "knee throughput", None,
                               "commands/s", note="not run: the profile names no cluster")
        return {"rows": [], "knee": None}
    tags = [namespace.key("grid", f"{{g{t}}}") for t in range(HASH_TAGS)]
    value = "v" * value_bytes
    _preload(namespace, tags, max(pipelines), value)
    rows, add, suite = [], session.run.add_metric, session.suite
    for count, depth in itertools.product(clients, pipelines):
        opened: list[ClusterClient] = []
        make_op = functools.partial(_grid_op, session.settings.redis, tags, depth, value,
                                    get_ratio, opened)
        result = closed_loop(make_op, workers=count, duration_s=session.duration(duration_s),
                             processes=processes)
        for client in opened:
            client.close()
        session.record_latency(f"cluster: {count} clients x P{depth}", result)
        summary = result.summary()
        row = {"clients": count, "pipeline": depth,
               "ops_per_s": summary["throughput_per_s"],
               "commands_per_s": summary["throughput_per_s"] * depth,
               "p50_ms": summary.get("p50"), "p99_ms": summary.get("p99"),
               "p99.9_ms": summary.get("p99.9"), "errors": summary["errors"],
               "kept_up": result.health.kept_up, "health": result.health.reason}
        rows.append(row)
        name = f"cluster: {count} clients x P{depth}"
        add(suite, name, "throughput", row["ops_per_s"], "ops/s",
            note=f"pipelines of {depth}, {get_ratio:.0%} GET, {value_bytes} B values")
        add(suite, name, "commands", row["commands_per_s"], "commands/s")
        for percentile in ("p50", "p99", "p99.9"):
            add(suite, name, f"{percentile} latency", row[f"{percentile}_ms"], "ms",
                note="one pipeline round trip")
        add(suite, name, "errors", row["errors"], "ops", note=", ".join(
            f"{k} {v}" for k, v in sorted(result.timeline.errors().items())))
        # Shown, not judged: a closed loop runs its driver flat out by design; the CPU it
        # took says whether one Python process (the GIL) rather than the cluster set the pace.
        add(suite, name, "generator kept up", float(row["kept_up"]), "bool",
            note="; ".join(filter(None, [
                f"driver CPU {result.health.driver_cpu_percent:.0f}% of one core "
                f"({processes} process(es))", row["health"]])))
    found = knee(rows)
    add(suite, GRID_SCENARIO, "knee throughput",
        found["commands_per_s"] if found else None, "commands/s",
        note=f"{found['clients']} clients x P{found['pipeline']}" if found
        else "no knee: no point measured both throughput and p99")
    add(suite, GRID_SCENARIO, "knee p99", found["p99_ms"] if found else None, "ms")
    session.run.add_intervals(suite, GRID_SCENARIO, "grid", rows)
    return {"rows": rows, "knee": found}


def knee(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The point of most power (Kleinrock): commands per second over p99. Before it, more
    concurrency buys throughput faster than it costs latency; past it, the reverse. None
    when no row has both figures."""
    measured = [r for r in rows if r.get("p99_ms") and r.get("commands_per_s")]
    return max(measured, key=lambda r: r["commands_per_s"] / r["p99_ms"], default=None)
