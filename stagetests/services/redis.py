"""Redis adapter: servers, Sentinels and the Cluster; redis-py stops here.

Short-lived connections for probes and checks (``command``); kept ones for load
(``client``, ``master_client``: see ``redis_clients``).
"""

from __future__ import annotations

import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel

from stagetests.errors import ServiceError, ServiceUnreachableError
from stagetests.services.probe import EndpointProbe, timed_probe
from stagetests.services.redis_clients import RedisClient, wrapped
from stagetests.settings import Endpoint, RedisSettings

__all__ = ["RedisService"]


@dataclass(frozen=True)
class RedisService:
    """Talks to the endpoints of one ``RedisSettings``, one short-lived connection at a time."""

    settings: RedisSettings

    def command(self, endpoint: Endpoint, *args: object) -> Any:
        """One command on ``endpoint`` (a server or a Sentinel); the raw decoded reply."""
        client = self.redis_client(endpoint, sentinel=endpoint in self.settings.sentinels)
        with self._wrapped(endpoint):
            try:
                return client.execute_command(*args)  # type: ignore[no-untyped-call]
            finally:
                client.close()

    def info(self, endpoint: Endpoint, section: str) -> dict[str, Any]:
        return dict(self.command(endpoint, "INFO", section))

    def config_get(self, endpoint: Endpoint, name: str) -> str:
        """One ``CONFIG GET`` value (redis-py answers a dict, RESP2 a flat list)."""
        reply = self.command(endpoint, "CONFIG", "GET", name)
        found = reply if isinstance(reply, dict) else dict(zip(reply[::2], reply[1::2],
                                                               strict=True))
        return str(found[name])

    def probe(self, name: str, endpoint: Endpoint) -> EndpointProbe:
        """Role (master, replica, sentinel, cluster master/replica) and version, timed."""

        def ask() -> tuple[str, str]:
            server = self.info(endpoint, "server")
            mode = str(server.get("redis_mode", "standalone"))
            if mode == "sentinel":
                role = "sentinel"
            else:
                role = str(self.info(endpoint, "replication").get("role", "unknown"))
                role = "replica" if role == "slave" else role
                role = f"cluster {role}" if mode == "cluster" else role
            return role, f"Redis {server.get('redis_version', '?')}"

        return timed_probe(name, endpoint, ask)

    def sentinel_master(self, sentinel: Endpoint) -> Endpoint | None:
        """The master ``sentinel`` currently names for the service, or None."""
        reply = self.command(sentinel, "SENTINEL GET-MASTER-ADDR-BY-NAME",
                             self.settings.service_name)
        return Endpoint(str(reply[0]), int(reply[1])) if reply else None

    def sentinel_view(self, sentinel: Endpoint) -> dict[str, Any]:
        """The master as ``sentinel`` sees it: flags, num-other-sentinels, num-slaves, ..."""
        return dict(self.command(sentinel, "SENTINEL MASTER", self.settings.service_name))

    def cluster_info(self, node: Endpoint) -> dict[str, str]:
        """``CLUSTER INFO`` of one cluster node as a dict."""
        reply = self.command(node, "CLUSTER INFO")
        if isinstance(reply, dict):
            return {str(k): str(v) for k, v in reply.items()}
        return dict(line.split(":", 1) for line in str(reply).split() if ":" in line)

    def cluster_masters(self) -> list[Endpoint]:
        """The cluster nodes (configured and spare) that are masters owning slots now."""
        s, masters = self.settings, []
        for node in (*s.cluster_nodes, *s.spare_cluster_nodes):
            try:
                if self.info(node, "replication").get("role") == "master" \
                        and self.cluster_info(node).get("cluster_state") == "ok" \
                        and int(self.cluster_info(node).get("cluster_size", 0)) > 0:
                    masters.append(node)
            except ServiceUnreachableError:
                continue  # a killed node holds nothing
        return masters

    def canary(self, endpoint: Endpoint) -> str:
        """SET a unique key on ``endpoint`` and GET it back; returns the key."""
        key = f"stagetests:canary:{uuid.uuid4().hex}"
        self.command(endpoint, "SET", key, "1", "EX", 60)
        if self.command(endpoint, "GET", key) != "1":
            raise ServiceError(f"redis {endpoint}: canary {key} not readable")
        return key

    def cluster_canary(self) -> str:
        """SET and GET a unique key through a cluster client that follows slot owners."""
        key = f"stagetests:canary:{uuid.uuid4().hex}"
        first = self.settings.cluster_nodes[0]
        with self._wrapped(first):
            cluster = RedisCluster(
                startup_nodes=[ClusterNode(e.host, e.port)  # type: ignore[no-untyped-call]
                               for e in self.settings.cluster_nodes],
                decode_responses=True, **self._auth_kwargs(),
            )
            try:
                cluster.set(key, "1", ex=60)
                if cluster.get(key) != "1":
                    raise ServiceError(f"redis cluster: canary {key} not readable")
            finally:
                cluster.close()
        return key

    def _auth_kwargs(self) -> dict[str, Any]:
        s = self.settings
        kwargs: dict[str, Any] = {
            "socket_timeout": s.socket_timeout_s, "socket_connect_timeout": s.socket_timeout_s,
            "ssl": s.tls,
        }
        if s.password is not None:
            kwargs["password"] = s.password.reveal()
        if s.tls and s.tls_ca_certs:
            kwargs["ssl_ca_certs"] = s.tls_ca_certs
        return kwargs

    def client(self, endpoint: Endpoint, timeout_s: float | None = None) -> RedisClient:
        """A kept connection to ``endpoint`` (one per load worker)."""
        return RedisClient(self.redis_client(endpoint, timeout_s=timeout_s), f"redis {endpoint}",
                           self.settings.password)

    def master_client(self, timeout_s: float | None = None) -> RedisClient:
        """A kept connection to the master the Sentinels name, found again after a failure."""
        s = self.settings
        kwargs = {**self._auth_kwargs(), "retry": Retry(NoBackoff(), 0)}
        if timeout_s is not None:
            kwargs.update(socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        sentinel_kwargs = {k: v for k, v in kwargs.items() if k != "password"}
        sentinel = Sentinel([(e.host, e.port) for e in s.sentinels],  # type: ignore[no-untyped-call]
                            sentinel_kwargs=sentinel_kwargs, **kwargs)
        master = sentinel.master_for(s.service_name,  # type: ignore[no-untyped-call]
                                     decode_responses=True, **kwargs)
        return RedisClient(master, f"redis master {s.service_name}", s.password)

    def redis_client(self, endpoint: Endpoint, sentinel: bool = False,
                     timeout_s: float | None = None) -> redis.Redis:
        """A redis-py client of ``endpoint`` built like every other (auth, TLS, no retries):
        for the other adapters of this package only (the cluster client), never outside."""
        kwargs = self._auth_kwargs()
        if timeout_s is not None:
            kwargs.update(socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        if sentinel:
            kwargs.pop("password", None)  # Sentinels are not password-protected here
        # redis-py 8 retries ten times with backoff by default, which hides outages.
        return redis.Redis(host=endpoint.host, port=endpoint.port, decode_responses=True,
                           retry=Retry(NoBackoff(), 0), **kwargs)

    def _wrapped(self, endpoint: Endpoint) -> AbstractContextManager[None]:
        return wrapped(f"redis {endpoint}", self.settings.password)
