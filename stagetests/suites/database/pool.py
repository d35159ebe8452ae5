"""Connection-pool performance: direct connections, a client pool and PgBouncer, by clients;
and pgbench on the same endpoint and client count, for the ratio."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from typing import Any

from stagetests.errors import SandboxError
from stagetests.measure.drivers import closed_loop
from stagetests.sandbox.database_configs import PG_BIN
from stagetests.services.postgres import PostgresService
from stagetests.services.postgres_pool import PooledClient, connect_per_query
from stagetests.session import SuiteSession

__all__ = ["compare_with_pgbench", "pgbench_tps", "pool_curve"]



def pool_curve(session: SuiteSession, clients: list[int], pool_size: int, duration_s: float,
               avg_ms_max: float = 500.0) -> list[dict[str, Any]]:
    """``select 1`` as fast as ``c`` clients can, for each client count and each way of
    connecting; one row per (mode, clients) with rate, latency and acquire wait."""
    pg = session.settings.postgres
    service = PostgresService(pg)
    rows = []
    for count in clients:
        pool = PooledClient(service, pg.writer, pool_size)
        modes: dict[str, Callable[[], Callable[[], object]]] = {
            "direct (connect per query)": lambda: connect_per_query(service, pg.writer),
            f"client pool of {pool_size}": pool.op,
        }
        if pg.pgbouncer is not None:
            modes["pgbouncer (connect per query)"] = functools.partial(
                connect_per_query, service, pg.pgbouncer)
        for mode, make_op in modes.items():
            result = closed_loop(make_op, workers=count, duration_s=duration_s)
            session.record_latency(f"pool: {mode}, {count} clients", result)
            summary = result.summary()
            total = result.latency.total()
            row = {"mode": mode, "clients": count, "throughput_per_s": summary["throughput_per_s"],
                   "mean_ms": total.get_mean_value() / 1000 if summary["operations"] else None,
                   "p50_ms": summary.get("p50"), "p99_ms": summary.get("p99"),
                   "errors": summary["errors"],
                   "acquire_p99_ms": None, "acquire_max_ms": None}
            if mode.startswith("client pool"):
                row["acquire_p99_ms"] = pool.acquire_us.get_value_at_percentile(99) / 1000
                row["acquire_max_ms"] = pool.acquire_us.get_max_value() / 1000
            rows.append(row)
            name = f"pool: {mode}, {count} clients"
            add = session.run.add_metric
            add(session.suite, name, "mean latency", row["mean_ms"], "ms", avg_ms_max)
            add(session.suite, name, "p99 latency", row["p99_ms"], "ms")
            add(session.suite, name, "throughput", row["throughput_per_s"], "ops/s")
            if row["acquire_max_ms"] is not None:
                add(session.suite, name, "acquire wait p99", row["acquire_p99_ms"], "ms")
                add(session.suite, name, "acquire wait max", row["acquire_max_ms"], "ms")
        pool.close()
    session.run.add_intervals(session.suite, "pool curve", "pool", rows)
    return rows


def pgbench_tps(session: SuiteSession, clients: int, duration_s: float,
                connect_per_transaction: bool) -> float:
    """pgbench running ``select 1`` (a script, so no pgbench tables are needed) against the
    writer endpoint; its tps including connection time when connecting per transaction."""
    pg = session.settings.postgres
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("select 1;\n")
    argv = [str(PG_BIN / "pgbench"), "-n", "-f", script.name, "-c", str(clients),
            "-j", str(min(clients, 2)), "-T", str(max(1, round(duration_s))),
            "-h", pg.writer.host, "-p", str(pg.writer.port), "-U", pg.user, pg.database]
    if connect_per_transaction:
        argv.insert(1, "-C")
    env = {**os.environ, "PGPASSWORD": pg.password.reveal() if pg.password else "",
           "PGSSLMODE": pg.sslmode}
    try:
        result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False,
                                timeout=duration_s + 60)
    finally:
        os.unlink(script.name)
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    if result.returncode != 0 or match is None:
        tail = session.settings.scrub(result.stderr.strip().splitlines()[-1:][0]
                                      if result.stderr.strip() else "no output")
        raise SandboxError(f"pgbench failed (exit {result.returncode}): {tail}")
    return float(match[1])


def compare_with_pgbench(session: SuiteSession, rows: list[dict[str, Any]], clients: int,
                         duration_s: float) -> list[dict[str, Any]]:
    """Our driver's rate over pgbench's, same endpoint and clients: kept connections (our
    client pool against plain pgbench) and a connection per query (against ``pgbench -C``)."""
    ours = {r["mode"].split(" ")[0]: r["throughput_per_s"] for r in rows
            if r["clients"] == clients}
    compared = []
    for mode, per_transaction in (("client", False), ("direct", True)):
        if mode not in ours:
            continue
        theirs = pgbench_tps(session, clients, duration_s, per_transaction)
        ratio = ours[mode] / theirs if theirs else None
        label = "pgbench -C" if per_transaction else "pgbench"
        compared.append({"ours": mode, "pgbench": label, "clients": clients,
                         "our_rate": ours[mode], "pgbench_rate": theirs, "ratio": ratio})
        session.run.add_metric(session.suite, f"pool: ours vs {label}, {clients} clients",
                               "rate ratio", ratio, "x",
                               note=f"ours {ours[mode]:.0f}/s, {label} {theirs:.0f}/s")
    return compared
