"""Region B for PostgreSQL and Redis: a standby and a replica fed through Toxiproxy links."""

from __future__ import annotations

import subprocess

from stagetests.console import step
from stagetests.errors import ConfigError, SandboxError
from stagetests.sandbox import cache_configs
from stagetests.sandbox.database import PG_USER, DatabaseTopology
from stagetests.sandbox.database_configs import PG_BIN
from stagetests.sandbox.state import chown_tree
from stagetests.sandbox.topology import SandboxServer, Topology
from stagetests.services.redis import RedisService
from stagetests.settings import Endpoint

__all__ = ["CacheRegionB", "DatabaseRegionB"]

# Port 1 (tcpmux) is unassigned on loopback: a connection to it is refused at once.
UNREACHABLE_PORT = 1

# Hot standby refuses to start with less than the primary has of these.
_MATCH_PRIMARY = ("max_connections", "max_worker_processes", "max_wal_senders",
                  "max_prepared_transactions", "max_locks_per_transaction")


def _configured(endpoint: Endpoint | None, setting: str) -> Endpoint:
    if endpoint is None:
        raise ConfigError(f"{setting} is not set: the sandbox's region B needs it")
    return endpoint


class DatabaseRegionB(Topology):
    """A PostgreSQL standby streaming from region A's writer endpoint through the link."""

    name = "database-b"

    @property
    def endpoint(self) -> Endpoint:
        return _configured(self.settings.region_b.postgres, "region_b.postgres")

    def servers(self) -> list[SandboxServer]:
        data = self.state.topology_dir(self.name) / "data"
        process = self.state.process("postgres-b", [str(PG_BIN / "postgres"), "-D", str(data)],
                                     run_as=DatabaseTopology(self.settings).run_as())
        return [SandboxServer("postgres-b", self.endpoint.port, process, self._role)]

    def start_fresh(self) -> None:
        region_a = DatabaseTopology(self.settings)
        superuser = region_a.superuser()
        password = (region_a.folder / "superuser.password").read_text().strip()
        primary = dict(superuser.query(
            "select name, setting from pg_settings where name = any(%s)", (list(_MATCH_PRIMARY),)))
        folder = self.state.fresh_dir(self.name)
        data, link = folder / "data", self.settings.sandbox.postgres_link_proxy
        passfile = folder / "pgpass"
        passfile.write_text(f"{link.host}:{link.port}:*:replicator:{password}\n")
        passfile.chmod(0o600)
        run_as = region_a.run_as()
        if run_as:
            chown_tree(folder, PG_USER)
        with step("PostgreSQL standby in region B: pg_basebackup through the link"):
            result = subprocess.run(
                [str(PG_BIN / "pg_basebackup"), "-h", link.host, "-p", str(link.port),
                 "-U", "replicator", "-D", str(data), "-X", "stream", "-c", "fast",
                 "--no-password"],
                capture_output=True, text=True, timeout=300, user=run_as, check=False,
                env={"PGPASSFILE": str(passfile), "PGCONNECT_TIMEOUT": "5"})
            if result.returncode != 0:
                raise SandboxError(f"pg_basebackup for region B failed: {result.stderr.strip()}")
        for leftover in ("postgresql.base.conf", "patroni.dynamic.json", "postgresql.auto.conf",
                         "standby.signal", "postmaster.opts"):
            (data / leftover).unlink(missing_ok=True)
        conninfo = (f"host={link.host} port={link.port} user=replicator passfile={passfile} "
                    "application_name=region_b sslmode=disable")
        settings = {**primary, "port": self.endpoint.port, "listen_addresses": self.endpoint.host,
                    "unix_socket_directories": folder, "hot_standby": "on",
                    "hot_standby_feedback": "on", "shared_buffers": "32MB",
                    "cluster_name": "region-b", "primary_conninfo": conninfo,
                    "recovery_target_timeline": "latest", "wal_receiver_status_interval": "1s"}
        (data / "postgresql.conf").write_text(
            "".join(f"{key} = '{value}'\n" for key, value in settings.items()))
        (data / "standby.signal").touch()
        if run_as:
            chown_tree(folder, PG_USER)
        self.servers()[0].process.start()

    def broken(self) -> str:
        """A failover in async mode can promote a replica that lacks WAL this standby already
        replayed; it then cannot follow the new timeline and must be cloned again."""
        try:
            log = self.state.log_file("postgres-b").read_text(errors="replace")
        except OSError:
            return ""
        last_start = log.rfind("starting PostgreSQL")
        if "before current recovery point" in log[max(last_start, 0):]:
            return "the standby diverged from the new leader's timeline"
        return ""

    def wait_ready(self) -> None:
        with step("database-b ready: standby streaming through the link"):
            self.wait("region B standby").until(self._streaming, "streaming")

    def _streaming(self) -> str | bool:
        self.servers()[0].process.require_running()
        rows = DatabaseTopology(self.settings).superuser().query(
            "select pg_is_in_recovery(), (select status from pg_stat_wal_receiver)",
            endpoint=self.endpoint)
        in_recovery, status = rows[0]
        if not in_recovery:
            raise SandboxError("region B's standby left recovery")
        return True if status == "streaming" else f"not yet: wal receiver {status}"

    def _role(self) -> str:
        status = self._streaming()
        return "standby, streaming" if status is True else f"standby, {status}"


class CacheRegionB(Topology):
    """A Redis replica of region A's first node through the link, invisible to Sentinel."""

    name = "cache-b"

    @property
    def endpoint(self) -> Endpoint:
        return _configured(self.settings.region_b.redis, "region_b.redis")

    def servers(self) -> list[SandboxServer]:
        conf = self.state.topology_dir(self.name) / "redis.conf"
        process = self.state.process("redis-b", ["redis-server", str(conf)])
        return [SandboxServer("redis-b", self.endpoint.port, process, self._role)]

    def start_fresh(self) -> None:
        folder = self.state.fresh_dir(self.name)
        conf = cache_configs.redis_conf(self.settings, self.endpoint, folder,
                                        self.settings.sandbox.redis_link_proxy)
        # Region B is not a member of region A's Sentinel group (as a cross-region replica is
        # not on AWS). Sentinel learns of every replica from the master's INFO; one it can
        # reach it "fixes" with REPLICAOF (bypassing the link) and, during a failover, waits
        # for it until the failover timeout: with parallel-syncs 1 that held the switch to
        # the new master back by 5 s while clients kept writing to the old one (lost).
        # Announced at a port nothing listens on, Sentinel cannot reach it and skips it;
        # without REPLICAOF it stays behind the link anyway; priority 0: never promoted.
        conf += (f"replica-announced no\nreplica-announce-port {UNREACHABLE_PORT}\n"
                 "replica-priority 0\nreplica-read-only yes\n"
                 'rename-command REPLICAOF ""\nrename-command SLAVEOF ""\n')
        (folder / "redis.conf").write_text(conf)
        (folder / "redis.conf").chmod(0o600)
        with step("Redis replica in region B"):
            self.servers()[0].process.start()

    def wait_ready(self) -> None:
        with step("cache-b ready: replica linked through the link"):
            self.wait("region B replica").until(self._linked, "linked")

    def _linked(self) -> str | bool:
        self.servers()[0].process.require_running()
        info = RedisService(self.settings.redis).info(self.endpoint, "replication")
        status = info.get("master_link_status")
        return True if status == "up" else f"not yet: master link {status}"

    def _role(self) -> str:
        linked = self._linked()
        return "replica, linked" if linked is True else f"replica, {linked}"
