"""Configuration files of the cache topology, generated fresh on every start.

Redis and Sentinel rewrite their own config files at runtime (``CONFIG REWRITE``, failover
state), so a file is never reused across starts (``research/spike-ha.md`` 3.2).
"""

from __future__ import annotations

from pathlib import Path

from stagetests.settings import Endpoint, Settings

__all__ = ["cluster_node_conf", "redis_conf", "sentinel_conf"]


def _base(endpoint: Endpoint, folder: Path, settings: Settings) -> list[str]:
    lines = [
        f"bind {endpoint.host}", f"port {endpoint.port}", "daemonize no", f"dir {folder}",
        'save ""', "appendonly no", "repl-diskless-sync yes",
        # The default 5 s delay would hold every replica's first sync for 5 s.
        "repl-diskless-sync-delay 0",
        "enable-debug-command local",
    ]
    password = settings.redis.password
    if password is not None:
        lines += [f'requirepass "{password.reveal()}"', f'masterauth "{password.reveal()}"']
    return lines


def redis_conf(settings: Settings, endpoint: Endpoint, folder: Path,
               master: Endpoint | None) -> str:
    """A data node of the Sentinel group; a replica of ``master`` unless it is the master."""
    lines = _base(endpoint, folder, settings)
    if master is not None:
        lines.append(f"replicaof {master.host} {master.port}")
    return "\n".join(lines) + "\n"


def sentinel_conf(settings: Settings, endpoint: Endpoint, folder: Path) -> str:
    """A Sentinel watching the group; replicas are listed so it need not wait for INFO."""
    redis, box = settings.redis, settings.sandbox
    master, *replicas = redis.nodes
    name = redis.service_name
    lines = [
        f"bind {endpoint.host}", f"port {endpoint.port}", "daemonize no", f"dir {folder}",
        "sentinel resolve-hostnames no",
        f"sentinel monitor {name} {master.host} {master.port} {box.sentinel_quorum}",
        f"sentinel down-after-milliseconds {name} {box.sentinel_down_after_ms}",
        f"sentinel failover-timeout {name} {box.sentinel_failover_timeout_ms}",
        f"sentinel parallel-syncs {name} 1",
    ]
    # Sentinel otherwise learns replicas from the master's INFO, polled every 10 s.
    lines += [f"sentinel known-replica {name} {r.host} {r.port}" for r in replicas]
    if redis.password is not None:
        lines.append(f'sentinel auth-pass {name} "{redis.password.reveal()}"')
    return "\n".join(lines) + "\n"


def cluster_node_conf(settings: Settings, endpoint: Endpoint, folder: Path) -> str:
    """A Redis Cluster node; slots are assigned by ``redis-cli --cluster create``."""
    lines = [
        *_base(endpoint, folder, settings),
        "cluster-enabled yes",
        f"cluster-config-file nodes-{endpoint.port}.conf",
        f"cluster-node-timeout {settings.sandbox.cluster_node_timeout_ms}",
    ]
    return "\n".join(lines) + "\n"
