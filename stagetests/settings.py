"""One frozen ``Settings`` made of per-service parts.

``load_settings`` (in ``stagetests.profiles``) builds it from defaults, a profile YAML, the
``STAGETESTS_*`` environment and explicit overrides. Nothing here reads the environment or a
file when the module is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stagetests.settings_sandbox import SandboxSettings, default_cache_dir, default_state_dir
from stagetests.settings_types import Endpoint, Secret
from stagetests.settings_types import local_endpoints as _local

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
    # Empty cluster-enabled nodes the scalability scenario may add (a master and its
    # replica) and remove again; none: that scenario is not run.
    spare_cluster_nodes: tuple[Endpoint, ...] = _local(7006, 7007)
    # A server of the suite's own that the eviction scenario may fill past a small
    # maxmemory (the group's data stays untouched); None: eviction is not run.
    eviction_node: Endpoint | None = Endpoint("127.0.0.1", 6390)
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
    # The profile as given, a file's path made absolute: what ``load_settings`` needs to
    # resolve these Settings again elsewhere (the notebook kernel, its own working directory).
    profile_source: str = "local"
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
