"""The database topology: etcd, three PostgreSQL 15 nodes under Patroni, HAProxy, PgBouncer."""

from __future__ import annotations

import functools
import json
import os
import secrets
import signal
import urllib.request
from pathlib import Path

from stagetests.console import step
from stagetests.errors import ConfigError, SandboxError, ServiceUnreachableError
from stagetests.sandbox import database_configs as configs
from stagetests.sandbox.processes import ManagedProcess, process_start_time, stop_pid
from stagetests.sandbox.state import chown_tree
from stagetests.sandbox.topology import SandboxServer, Topology
from stagetests.services.haproxy import routed_servers
from stagetests.services.patroni import PatroniApi
from stagetests.services.postgres import PostgresService
from stagetests.settings import Endpoint, Secret

__all__ = ["DatabaseTopology"]

PG_USER = "postgres"


class DatabaseTopology(Topology):
    """Patroni-managed PostgreSQL with Aurora-style writer and reader endpoints."""

    name = "database"

    @property
    def folder(self) -> Path:
        return self.state.topology_dir(self.name)

    def run_as(self) -> str | None:
        # PostgreSQL refuses to run as root; anyone else runs it as themselves.
        return PG_USER if os.geteuid() == 0 else None

    def _process(self, name: str, argv: list[str], run_as: str | None = None) -> ManagedProcess:
        return self.state.process(name, argv, run_as=run_as, env={"HOME": str(self.folder)})

    def servers(self) -> list[SandboxServer]:
        pg, box, folder = self.settings.postgres, self.settings.sandbox, self.folder
        etcd = box.etcd
        peer = f"http://{etcd.host}:{etcd.port + 1}"
        servers = [SandboxServer("etcd", etcd.port, self._process("etcd", [
            "etcd", "--name", "stagetests", "--data-dir", str(folder / "etcd"),
            "--listen-client-urls", f"http://{etcd}", "--advertise-client-urls", f"http://{etcd}",
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"stagetests={peer}", "--log-outputs", "stderr",
        ]), self._etcd_role, extra_ports=(etcd.port + 1,))]
        patroni = PatroniApi(pg.patroni_api)
        for index, (node, api) in enumerate(zip(pg.nodes, pg.patroni_api, strict=True)):
            name = f"patroni-n{index + 1}"
            process = self._process(name, ["patroni", str(folder / f"n{index + 1}.yml")],
                                    self.run_as())
            servers.append(SandboxServer(
                name, node.port, process, functools.partial(patroni.node_role, api),
                extra_ports=(api.port,),
                companions=functools.partial(self._postmasters, f"n{index + 1}")))
        servers.append(SandboxServer(
            "haproxy", pg.writer.port,
            self._process("haproxy", ["haproxy", "-db", "-f", str(folder / "haproxy.cfg")]),
            self._endpoint_role, extra_ports=(pg.reader.port, box.haproxy_stats.port)))
        if pg.pgbouncer is not None:
            servers.append(SandboxServer(
                "pgbouncer", pg.pgbouncer.port,
                self._process("pgbouncer", ["pgbouncer", str(folder / "pgbouncer.ini")],
                              self.run_as()),
                lambda: self._client_role(self.settings.postgres.pgbouncer)))
        return servers

    def superuser(self) -> PostgresService:
        """The sandbox's own superuser, for set-up and fault injection."""
        password = Secret((self.folder / "superuser.password").read_text().strip())
        return PostgresService(self.settings.postgres).as_user(PG_USER, password, "postgres")

    def start_fresh(self) -> None:
        pg_password = self.settings.postgres.password
        if pg_password is None:
            raise ConfigError("postgres.password is not set; the sandbox creates its user with it")
        folder = self.state.fresh_dir(self.name)
        password = secrets.token_hex(16)
        secret_file = folder / "superuser.password"
        secret_file.write_text(password)
        secret_file.chmod(0o600)
        for index in range(len(self.settings.postgres.nodes)):
            (folder / f"n{index + 1}").mkdir(mode=0o700)
            node_yml = folder / f"n{index + 1}.yml"
            node_yml.write_text(configs.patroni_yml(self.settings, index, folder, password))
            node_yml.chmod(0o600)
        (folder / "haproxy.cfg").write_text(configs.haproxy_cfg(self.settings))
        userlist = folder / "userlist.txt"
        (folder / "pgbouncer.ini").write_text(configs.pgbouncer_ini(self.settings, userlist))
        userlist.write_text(configs.pgbouncer_userlist(
            {self.settings.postgres.user: pg_password.reveal(),
             PG_USER: password}))
        userlist.chmod(0o600)
        if self.run_as():
            chown_tree(folder, PG_USER)  # etcd and HAProxy run as root and need no ownership
        servers = {server.name: server for server in self.servers()}
        with step("etcd"):
            servers["etcd"].process.start()
            self.wait("etcd").until(self._etcd_role)
        with step("3 PostgreSQL nodes under Patroni, HAProxy"):
            for name, server in servers.items():
                if name.startswith("patroni") or name == "haproxy":
                    server.process.start()
            self.wait("postgres writer endpoint").until(self._writer_is_primary, "writable")
        with step(f"role {self.settings.postgres.user} and database"):
            self.superuser().ensure_login(self.settings.postgres.user, pg_password,
                                          self.settings.postgres.database)
        if "pgbouncer" in servers:
            servers["pgbouncer"].process.start()

    def wait_ready(self) -> None:
        pg = self.settings.postgres
        with step("database ready: writer, 2 streaming replicas, reader, pgbouncer"):
            self.wait("postgres writer endpoint").until(self._writer_is_primary, "writable")
            self.wait("postgres replication").until(self._replicas_streaming, "streaming")
            self.wait("haproxy").until(self._routes_settled, "routing by health checks")
            self.wait("postgres reader endpoint").until(self._reader_is_replica, "serving")
            PostgresService(pg).canary()
            if pg.pgbouncer is not None:
                self.wait("pgbouncer").until(lambda: self._client_role(pg.pgbouncer))

    def _postmasters(self, node: str = "n*") -> list[int]:
        """Live postmasters of ``node`` (all nodes by default), from their pid files."""
        pids = []
        for pid_file in self.folder.glob(f"{node}/data/postmaster.pid"):
            try:
                pid = int(pid_file.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            if process_start_time(pid) is not None:
                pids.append(pid)
        return pids

    def stop_leftovers(self) -> None:
        """Postmasters outlive a killed Patroni (they are re-parented to init); stop them too."""
        for pid in self._postmasters():
            stop_pid(pid, self.settings.sandbox.stop_grace_s, first=signal.SIGINT)

    def _require_running(self) -> None:
        for server in self.servers():
            if server.name.startswith(("patroni", "haproxy", "etcd")):
                server.process.require_running()

    def _writer_is_primary(self) -> str | bool:
        self._require_running()
        rows = self.superuser().query("select pg_is_in_recovery()")
        return "not yet: writer endpoint reaches a replica" if rows[0][0] else True

    def _replicas_streaming(self) -> str | bool:
        rows = self.superuser().query(
            "select count(*) from pg_stat_replication where state = 'streaming'")
        wanted = len(self.settings.postgres.nodes) - 1
        return True if rows[0][0] >= wanted else f"not yet: {rows[0][0]} of {wanted} streaming"

    def _routes_settled(self) -> str | bool:
        routes = routed_servers(self.settings.sandbox.haproxy_stats)
        writer, reader = routes.get("pg_writer", []), routes.get("pg_reader", [])
        replicas = len(self.settings.postgres.nodes) - 1
        if len(writer) == 1 and len(reader) == replicas and writer[0] not in reader:
            return True
        return f"not yet: writer -> {writer}, reader -> {reader}"

    def _reader_is_replica(self) -> str | bool:
        role = self._client_role(self.settings.postgres.reader)
        return True if role.startswith("replica") else f"not yet: reader reaches {role}"

    def _client_role(self, endpoint: Endpoint | None) -> str:
        """Which node and role a client reaches through ``endpoint``, as the test user."""
        if endpoint is None:
            raise SandboxError("no endpoint configured")
        rows = PostgresService(self.settings.postgres).query(
            "select pg_is_in_recovery(), inet_server_port()", endpoint=endpoint)
        in_recovery, port = rows[0]
        return f"{'replica' if in_recovery else 'primary'} via {port}"

    def _endpoint_role(self) -> str:
        routes = routed_servers(self.settings.sandbox.haproxy_stats)
        writer, reader = routes.get("pg_writer", []), routes.get("pg_reader", [])
        if not writer:
            raise ServiceUnreachableError("haproxy: the writer endpoint routes to no node")
        return f"writer -> {','.join(writer)}; reader -> {','.join(reader) or 'none'}"

    def _etcd_role(self) -> str:
        url = f"http://{self.settings.sandbox.etcd}/health"
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                health = json.load(answer)
        except (OSError, ValueError) as exc:
            raise ServiceUnreachableError(f"etcd {self.settings.sandbox.etcd}: {exc}") from exc
        if health.get("health") != "true":
            raise ServiceUnreachableError(f"etcd {self.settings.sandbox.etcd}: {health}")
        return "dcs"
