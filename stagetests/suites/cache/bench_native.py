"""redis-benchmark on the same endpoint, clients, pipeline depth and value size as our driver.

It runs our command lines, with keys under this run's prefix (``{tag}`` on the cluster, which
redis-benchmark replaces by a tag of each master's slots), so the namespace's cleanup removes
what it wrote. redis-benchmark spins at 100% CPU while a server refuses connections, so the
endpoint is pinged first and the tool runs under a timeout.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from typing import Any

from stagetests.errors import SandboxError
from stagetests.services.redis import RedisService
from stagetests.settings import Endpoint, RedisSettings
from stagetests.suites.cache.bench_workload import command_line

__all__ = ["redis_benchmark", "redis_benchmark_version"]


def redis_benchmark_version() -> str:
    tool = shutil.which("redis-benchmark")
    if tool is None:
        raise SandboxError("redis-benchmark is not on PATH")
    found = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    return found.stdout.strip() or "redis-benchmark"


def redis_benchmark(settings: RedisSettings, endpoint: Endpoint, command: str, base: str,
                    clients: int, depth: int, value_size: int, requests: int,
                    cluster: bool = False, timeout_s: float = 120.0) -> dict[str, Any]:
    """One redis-benchmark run of ``command``: requests/s and its latency figures (ms)."""
    tool = shutil.which("redis-benchmark")
    if tool is None:
        raise SandboxError("redis-benchmark is not on PATH")
    RedisService(settings).command(endpoint, "PING")  # refused: raise now, not spin
    argv = [tool, "-h", endpoint.host, "-p", str(endpoint.port), "-c", str(clients),
            "-n", str(requests), "-P", str(depth), "--csv"]
    if cluster:
        argv.append("--cluster")
    if settings.tls:
        argv += ["--tls"] + (["--cacert", settings.tls_ca_certs] if settings.tls_ca_certs
                             else [])
    if settings.password is not None:
        # redis-benchmark reads no password from the environment; it shows in ps briefly.
        argv += ["-a", settings.password.reveal(), "--no-auth-warning"]
    argv += command_line(command, base, "x" * value_size)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise SandboxError(f"redis-benchmark {command} on {endpoint}: no result in "
                           f"{timeout_s:.0f}s") from exc
    rows = [r for r in csv.DictReader(line for line in done.stdout.splitlines()
                                      if line.startswith('"')) if r.get("rps")]
    if done.returncode != 0 or not rows:
        tail = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        if settings.password is not None:
            tail = settings.password.scrub(tail)
        raise SandboxError(f"redis-benchmark {command} failed (exit {done.returncode}): {tail}")
    row = rows[-1]
    return {"rps": float(row["rps"]), "mean_ms": float(row["avg_latency_ms"]),
            "p50_ms": float(row["p50_latency_ms"]), "p99_ms": float(row["p99_latency_ms"]),
            "max_ms": float(row["max_latency_ms"])}
