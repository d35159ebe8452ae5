"""Settings of the local sandbox: where it lives and how its servers are laid out and tuned."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from stagetests.settings_types import Endpoint
from stagetests.settings_types import local_endpoints as _local

__all__ = ["SandboxSettings", "default_cache_dir", "default_state_dir"]


def default_cache_dir() -> Path:
    """Where downloaded and built tools (Kafka jars, Toxiproxy) are kept across sandboxes."""
    if os.geteuid() == 0:
        return Path("/var/cache/stagetests")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stagetests"


def default_state_dir() -> Path:
    """Where sandbox configs, data, logs and pids live unless a profile says otherwise.

    Root gets ``/var/lib/stagetests``: PostgreSQL runs as ``postgres`` and cannot enter
    ``/root``. Everyone else gets ``$XDG_STATE_HOME/stagetests``.
    """
    if os.geteuid() == 0:
        return Path("/var/lib/stagetests")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "stagetests"


@dataclass(frozen=True)
class SandboxSettings:
    """How the local sandbox is laid out and tuned; ignored for remote profiles."""

    state_dir: Path = field(default_factory=default_state_dir)
    cache_dir: Path = field(default_factory=default_cache_dir)
    etcd: Endpoint = Endpoint("127.0.0.1", 2379)
    haproxy_stats: Endpoint = Endpoint("127.0.0.1", 8404)
    patroni_ttl: int = 5
    patroni_loop_wait: int = 1
    patroni_retry_timeout: int = 2
    synchronous_mode: bool = False
    sentinel_quorum: int = 2
    sentinel_down_after_ms: int = 1000
    sentinel_failover_timeout_ms: int = 5000
    cluster_node_timeout_ms: int = 2000
    kafka_controllers: tuple[Endpoint, ...] = _local(19092, 19093, 19094)
    kafka_b_controller: Endpoint = Endpoint("127.0.0.1", 19095)
    # Region-A brokers' extra listener, advertised at its Toxiproxy port so that MirrorMaker's
    # traffic keeps crossing the link after bootstrap.
    kafka_link_listeners: tuple[Endpoint, ...] = _local(9192, 9193, 9194)
    kafka_link_proxies: tuple[Endpoint, ...] = _local(29092, 29093, 29094)
    kafka_heap_mb: int = 512
    mirror_refresh_s: int = 5
    toxiproxy_api: Endpoint = Endpoint("127.0.0.1", 8474)
    postgres_link_proxy: Endpoint = Endpoint("127.0.0.1", 15432)
    redis_link_proxy: Endpoint = Endpoint("127.0.0.1", 16379)
    start_timeout_s: float = 90.0
    stop_grace_s: float = 10.0
