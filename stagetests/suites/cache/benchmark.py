"""Benchmarking and validation: per-command latency at a fixed rate (open loop, from the
intended start) and at most throughput (closed loop), on the master or the Cluster, side by
side with redis-benchmark at the same clients, pipeline depth and value size."""

from __future__ import annotations

from typing import Any

from stagetests.measure.drivers import closed_loop, open_loop
from stagetests.measure.load import LoadResult
from stagetests.services.redis import RedisService
from stagetests.services.redis_bench import DRIVER
from stagetests.session import SuiteSession
from stagetests.suites.cache.bench_native import redis_benchmark
from stagetests.suites.cache.bench_workload import COMMANDS, make_op_for, slot_owners
from stagetests.suites.cache.namespace import RedisNamespace

__all__ = ["compare_command", "latency_benchmark"]

# redis-benchmark is usually a few times faster than we are: ask it for enough requests
# to run about as long as our closed loop did.
_NATIVE_SPEEDUP = 3.0


def _figures(result: LoadResult, depth: int) -> dict[str, Any]:
    summary, total = result.summary(), result.latency.total()
    return {"rate_per_s": summary["throughput_per_s"] * depth, "errors": summary["errors"],
            "mean_ms": total.get_mean_value() / 1000 if summary["operations"] else None,
            "p50_ms": summary.get("p50"), "p99_ms": summary.get("p99"),
            "p99.9_ms": summary.get("p99.9"), "kept_up": summary["kept_up"],
            "health": summary["health"],
            "driver_cpu_percent": result.health.driver_cpu_percent}


def compare_command(session: SuiteSession, namespace: RedisNamespace, target: str,
                    command: str, depth: int, clients: int, duration_s: float,
                    value_size: int = 100, processes: int = 1) -> dict[str, Any]:
    """Our closed loop and redis-benchmark, ``clients`` connections in all (split over
    ``processes``) at pipeline ``depth``: commands/s each and our rate over theirs."""
    settings = session.settings.redis
    endpoint, table = _endpoint(session, target)
    make_op = make_op_for(settings, command, depth, value_size, namespace.key("bench", ""),
                          table or endpoint)
    ours = _figures(closed_loop(make_op, workers=max(1, clients // processes),
                                duration_s=duration_s, processes=processes), depth)
    namespace.wrote(clients * 10)  # each worker's few keys (MSET writes ten)
    base = namespace.key("bench", "rb", "{tag}") if table else namespace.key("bench", "rb")
    requests = max(1000, int(ours["rate_per_s"] * duration_s * _NATIVE_SPEEDUP))
    native = redis_benchmark(settings, endpoint, command, base, clients, depth, value_size,
                             requests, cluster=table is not None,
                             timeout_s=30 * duration_s + 60)
    ratio = ours["rate_per_s"] / native["rps"] if native["rps"] else None
    driver = f"{DRIVER}, {processes} process(es) x {max(1, clients // processes)} threads"
    return {"target": target, "command": command, "depth": depth, "clients": clients,
            "our_rate_per_s": ours["rate_per_s"], "native_rate_per_s": native["rps"],
            "ratio": ratio, "our": ours, "native": native, "driver": driver}


def _endpoint(session: SuiteSession, target: str) -> tuple[Any, Any]:
    """The master the Sentinels name now, or the first cluster node and the slot table."""
    redis, service = session.settings.redis, RedisService(session.settings.redis)
    if target == "cluster":
        return redis.cluster_nodes[0], slot_owners(service)
    master = service.sentinel_master(redis.sentinels[0]) if redis.sentinels else None
    return master or redis.nodes[0], None


def latency_benchmark(session: SuiteSession, namespace: RedisNamespace, target: str = "master",
                      commands: tuple[str, ...] = COMMANDS, pipelined: tuple[str, ...] = ("SET",),
                      depth: int = 16, rate_per_s: float = 500.0, clients: int = 4,
                      duration_s: float = 0.0, value_size: int = 100, processes: int = 1,
                      avg_ms_max: float = 10.0) -> list[dict[str, Any]]:
    """Per command (and per pipelined command at ``depth``): open-loop latency at
    ``rate_per_s`` (mean judged against ``avg_ms_max``, p99 and p99.9 shown), closed-loop
    rate, redis-benchmark's rate and the ratio. One row per (command, depth)."""
    duration_s = session.duration(duration_s)
    settings = session.settings.redis
    endpoint, table = _endpoint(session, target)
    rows, add, suite = [], session.run.add_metric, session.suite
    plan = [(c, 1) for c in commands] + [(c, depth) for c in pipelined]
    for command, pipe in plan:
        make_op = make_op_for(settings, command, pipe, value_size, namespace.key("bench", ""),
                              table or endpoint)
        loaded = open_loop(make_op, rate_per_s / pipe, duration_s, concurrency=clients,
                           processes=processes)
        session.record_latency(f"benchmark: {target} {command} -P {pipe}", loaded)
        fixed = _figures(loaded, pipe)
        compared = compare_command(session, namespace, target, command, pipe, clients,
                                   duration_s, value_size, processes)
        label = command if pipe == 1 else f"{command} -P {pipe}"
        row = {**compared, "label": label, "fixed_rate": fixed}
        rows.append(row)
        name = f"benchmark: {target} {label}"
        note = f"{rate_per_s:.0f}/s open loop, {clients} clients; " + \
            ("generator kept up" if fixed["kept_up"] else f"generator: {fixed['health']}")
        add(suite, name, "mean latency", fixed["mean_ms"], "ms", avg_ms_max, note=note)
        add(suite, name, "p99 latency", fixed["p99_ms"], "ms")
        add(suite, name, "p99.9 latency", fixed["p99.9_ms"], "ms")
        add(suite, name, "errors", fixed["errors"] + compared["our"]["errors"], "ops", 0)
        add(suite, name, "closed-loop rate", compared["our_rate_per_s"], "ops/s",
            note=compared["driver"])
        add(suite, name, "redis-benchmark rate", compared["native_rate_per_s"], "ops/s")
        add(suite, name, "rate ratio ours/redis-benchmark", compared["ratio"], "x",
            note=compared["our"]["health"] or "generator kept up")
    session.run.add_intervals(suite, f"benchmark {target}", "commands",
                              [_flat(r) for r in rows])
    return rows


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    fixed = row["fixed_rate"]
    return {"command": row["label"], "mean_ms": fixed["mean_ms"], "p50_ms": fixed["p50_ms"],
            "p99_ms": fixed["p99_ms"], "p99.9_ms": fixed["p99.9_ms"],
            "our_rate_per_s": row["our_rate_per_s"],
            "native_rate_per_s": row["native_rate_per_s"], "ratio": row["ratio"]}
