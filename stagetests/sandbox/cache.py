"""The cache topology: a Redis master with replicas under three Sentinels, and a Redis Cluster."""

from __future__ import annotations

import functools
import os
import subprocess

from stagetests.console import step
from stagetests.errors import SandboxError, ServiceUnreachableError
from stagetests.sandbox import cache_configs as configs
from stagetests.sandbox.topology import SandboxServer, Topology
from stagetests.services import redis_health as health
from stagetests.services.redis import RedisService
from stagetests.settings import Endpoint

__all__ = ["CacheTopology"]


class CacheTopology(Topology):
    """Sentinel-managed replication (``redis.nodes``) plus a sharded cluster (``cluster_nodes``)."""

    name = "cache"

    @property
    def service(self) -> RedisService:
        return RedisService(self.settings.redis)

    def _server(self, kind: str, endpoint: Endpoint, program: str) -> SandboxServer:
        name = f"{kind}-{endpoint.port}"
        conf = self.state.topology_dir(self.name) / name / f"{kind}.conf"
        process = self.state.process(name, [program, str(conf)])
        return SandboxServer(name, endpoint.port, process, lambda: self._role(endpoint))

    def servers(self) -> list[SandboxServer]:
        redis = self.settings.redis
        return (
            [self._server("redis", e, "redis-server") for e in redis.nodes]
            + [self._server("sentinel", e, "redis-sentinel") for e in redis.sentinels]
            + [self._server("cluster", e, "redis-server")
               for e in (*redis.cluster_nodes, *redis.spare_cluster_nodes)]
            + [self._server("eviction", e, "redis-server") for e in self._eviction()]
        )

    def _eviction(self) -> list[Endpoint]:
        node = self.settings.redis.eviction_node
        return [] if node is None else [node]

    def start_fresh(self) -> None:
        folder = self.state.fresh_dir(self.name)
        redis = self.settings.redis
        master = redis.nodes[0]
        for endpoint in redis.nodes:
            path = folder / f"redis-{endpoint.port}"
            path.mkdir()
            primary = None if endpoint == master else master
            (path / "redis.conf").write_text(
                configs.redis_conf(self.settings, endpoint, path, primary))
        for endpoint in redis.sentinels:
            path = folder / f"sentinel-{endpoint.port}"
            path.mkdir()
            (path / "sentinel.conf").write_text(
                configs.sentinel_conf(self.settings, endpoint, path))
        for endpoint in self._eviction():
            path = folder / f"eviction-{endpoint.port}"
            path.mkdir()
            (path / "eviction.conf").write_text(
                configs.redis_conf(self.settings, endpoint, path, None))
        for endpoint in (*redis.cluster_nodes, *redis.spare_cluster_nodes):
            path = folder / f"cluster-{endpoint.port}"
            path.mkdir()
            (path / "cluster.conf").write_text(
                configs.cluster_node_conf(self.settings, endpoint, path))
        for path in folder.glob("*/*.conf"):
            path.chmod(0o600)  # they may hold the Redis password
        with step(f"Redis {len(redis.nodes)} servers, {len(redis.sentinels)} Sentinels, "
                  f"{len(redis.cluster_nodes)} cluster nodes"):
            for server in self.servers():
                server.process.start()
            for server, endpoint in zip(self.servers(), self._all_endpoints(), strict=True):
                self.wait(server.name).until(functools.partial(self._ping, server, endpoint))
        with step("redis-cli --cluster create"):
            self._create_cluster()

    def wait_ready(self) -> None:
        with step("cache ready: replicas linked, Sentinels agree, cluster covers all slots"):
            service = self.service
            self.wait("redis replication").until(lambda: health.replicas_linked(service),
                                                 "replicating")
            self.wait("redis sentinels").until(lambda: health.sentinels_agree(service),
                                               "agreeing")
            self.wait("redis cluster").until(lambda: health.cluster_ok(service),
                                             "covering all slots")
            master = self.service.sentinel_master(self.settings.redis.sentinels[0])
            assert master is not None
            self.service.canary(master)
            self.service.cluster_canary()

    def _all_endpoints(self) -> list[Endpoint]:
        redis = self.settings.redis
        return [*redis.nodes, *redis.sentinels, *redis.cluster_nodes,
                *redis.spare_cluster_nodes, *self._eviction()]

    def _ping(self, server: SandboxServer, endpoint: Endpoint) -> bool:
        server.process.require_running()
        return bool(self.service.command(endpoint, "PING"))

    def _create_cluster(self) -> None:
        nodes = [str(e) for e in self.settings.redis.cluster_nodes]
        env = dict(os.environ)
        if self.settings.redis.password is not None:
            env["REDISCLI_AUTH"] = self.settings.redis.password.reveal()  # keeps it out of argv
        replicas = "1" if len(nodes) >= 6 else "0"
        result = subprocess.run(
            ["redis-cli", "--cluster", "create", *nodes, "--cluster-replicas", replicas,
             "--cluster-yes"], capture_output=True, text=True, timeout=60, env=env, check=False)
        if result.returncode != 0:
            tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
            raise SandboxError(f"redis-cli --cluster create failed: {tail}")

    def _role(self, endpoint: Endpoint) -> str:
        probe = self.service.probe(str(endpoint), endpoint)
        if not probe.reachable:
            raise ServiceUnreachableError(probe.error)
        if probe.role == "sentinel":
            return f"sentinel (master {self.service.sentinel_master(endpoint)})"
        return probe.role
