"""One frozen ``Settings`` made of per-service parts.

``load_settings`` (in ``stagetests.profiles``) builds it from defaults, a profile YAML, the
``STAGETESTS_*`` environment and explicit overrides. Nothing here reads the environment or a
file when the module is imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Endpoint",
    "KafkaSettings",
    "PostgresSettings",
    "RedisSettings",
    "RegionBSettings",
    "RunSettings",
    "SandboxSettings",
    "Secret",
    "Settings",
    "default_cache_dir",
    "default_state_dir",
]

MASK = "****"


@dataclass(frozen=True, order=True)
class Endpoint:
    """A ``host:port`` a client connects to."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def _local(*ports: int) -> tuple[Endpoint, ...]:
    return tuple(Endpoint("127.0.0.1", port) for port in ports)


class Secret:
    """A password or token: never shown by ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The clear text, for handing to a client library and nothing else."""
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with every occurrence of this secret replaced by the mask."""
        return text.replace(self._value, MASK) if self._value else text

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


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
class PostgresSettings:
    """PostgreSQL endpoints: Aurora-style writer and reader, PgBouncer, the nodes themselves."""

    writer: Endpoint = Endpoint("127.0.0.1", 5000)
    reader: Endpoint = Endpoint("127.0.0.1", 5001)
    pgbouncer: Endpoint | None = Endpoint("127.0.0.1", 6432)
    nodes: tuple[Endpoint, ...] = _local(5432, 5433, 5434)
    patroni_api: tuple[Endpoint, ...] = _local(8008, 8009, 8010)
    database: str = "test_db"
    user: str = "test_user"
    password: Secret | None = None
    sslmode: str = "prefer"
    sslrootcert: str | None = None
    connect_timeout_s: float = 3.0


@dataclass(frozen=True)
class RedisSettings:
    """Redis endpoints: the Sentinel-managed group and the Redis Cluster."""

    nodes: tuple[Endpoint, ...] = _local(6379, 6380, 6381)
    sentinels: tuple[Endpoint, ...] = _local(26379, 26380, 26381)
    service_name: str = "mymaster"
    cluster_nodes: tuple[Endpoint, ...] = _local(7000, 7001, 7002, 7003, 7004, 7005)
    password: Secret | None = None
    tls: bool = False
    tls_ca_certs: str | None = None
    socket_timeout_s: float = 3.0


@dataclass(frozen=True)
class KafkaSettings:
    """Kafka bootstrap brokers (MSK's bootstrap string) and client timeouts."""

    brokers: tuple[Endpoint, ...] = _local(9092, 9093, 9094)
    connect_timeout_s: float = 5.0  # how long to try the bootstrap brokers before giving up
    request_timeout_s: float = 10.0


@dataclass(frozen=True)
class RegionBSettings:
    """The second region: what replicates there from region A over a (slow) link."""

    postgres: Endpoint | None = Endpoint("127.0.0.1", 5435)  # a streaming standby
    redis: Endpoint | None = Endpoint("127.0.0.1", 6382)  # a replica of the master
    kafka: tuple[Endpoint, ...] = _local(9095)  # a cluster fed by MirrorMaker 2
    kafka_source_alias: str = "A"  # MirrorMaker 2 names mirrored topics "<alias>.<topic>"


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


@dataclass(frozen=True)
class RunSettings:
    """Sizes of a suite run: how long, how often, how fast."""

    duration_s: float = 30.0
    repetitions: int = 3
    rate_per_s: float = 20.0


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, resolved once and passed down explicitly."""

    profile: str = "local"
    allow_destructive: bool = False
    postgres: PostgresSettings = field(default_factory=PostgresSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    region_b: RegionBSettings = field(default_factory=RegionBSettings)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    run: RunSettings = field(default_factory=RunSettings)

    def secrets(self) -> tuple[Secret, ...]:
        """Every secret in these settings, for scrubbing text that may echo one."""
        found = (self.postgres.password, self.redis.password)
        return tuple(secret for secret in found if secret is not None)

    def scrub(self, text: str) -> str:
        """``text`` with every secret of these settings masked."""
        for secret in self.secrets():
            text = secret.scrub(text)
        return text
