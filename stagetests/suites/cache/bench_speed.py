"""``stagetests bench --system redis``: how fast our driver is against redis-benchmark, from
one run on one machine, unpipelined and at ``-P 16``, at equal clients and value size."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from stagetests.faults import FaultInjector
from stagetests.results import RunStore
from stagetests.session import SuiteSession
from stagetests.settings import Settings
from stagetests.suites.cache.bench_native import redis_benchmark_version
from stagetests.suites.cache.benchmark import compare_command
from stagetests.suites.cache.namespace import RedisNamespace

__all__ = ["HEADERS", "redis_speed", "speed_table_rows"]

HEADERS = ("mode", "command", "our ops/s", "redis-benchmark ops/s", "ratio", "driver",
           "generator")


def redis_speed(settings: Settings, duration_s: float = 5.0, clients: int = 4,
                processes: int = 2, depths: tuple[int, ...] = (1, 16),
                commands: tuple[str, ...] = ("SET", "GET"), value_size: int = 100
                ) -> list[dict[str, Any]]:
    """Our closed loop and redis-benchmark on the master, per depth and command. Keys go
    under a throw-away run's prefix and are deleted at the end; no report is kept."""
    redis_benchmark_version()  # fail before measuring anything when the tool is missing
    rows = []
    with tempfile.TemporaryDirectory(prefix="stagetests-bench-") as folder:
        run = RunStore(Path(folder)).create(settings.profile, ["cache"], {})
        session = SuiteSession(settings, run, "cache", FaultInjector(settings))
        namespace = RedisNamespace(session).open()
        try:
            for depth in depths:
                for command in commands:
                    rows.append(compare_command(session, namespace, "master", command, depth,
                                                clients, duration_s, value_size, processes))
        finally:
            namespace.drop()
    return rows


def speed_table_rows(rows: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    """The rows of the printed table, in ``HEADERS`` order."""
    return [("unpipelined" if r["depth"] == 1 else f"-P {r['depth']}", r["command"],
             f"{r['our_rate_per_s']:.0f}", f"{r['native_rate_per_s']:.0f}",
             f"{r['ratio']:.2f}" if r["ratio"] is not None else "-", r["driver"],
             r["our"]["health"] or "kept up") for r in rows]
