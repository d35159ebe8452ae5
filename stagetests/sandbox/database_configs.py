"""Configuration files of the database topology, generated fresh on every start.

The settings follow ``research/spike-ha.md``: Patroni ``ttl 5 / loop_wait 1 /
retry_timeout 2`` (``retry_timeout 1`` never elects a leader with etcd3), HAProxy routing by
Patroni's REST health checks, PgBouncer in front of the writer endpoint so that it follows a
failover.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from stagetests.settings import Endpoint, Settings

__all__ = ["haproxy_cfg", "patroni_yml", "pgbouncer_ini", "pgbouncer_userlist"]

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SCOPE = "stagetests"


def patroni_yml(settings: Settings, index: int, folder: Path, superuser_password: str) -> str:
    """The Patroni config of node ``index`` (0-based): its ports, data dir and DCS timings."""
    node, api = settings.postgres.nodes[index], settings.postgres.patroni_api[index]
    box = settings.sandbox
    name = f"n{index + 1}"
    config = {
        "scope": SCOPE,
        "namespace": "/service/",
        "name": name,
        "restapi": {"listen": str(api), "connect_address": str(api)},
        "etcd3": {"hosts": str(box.etcd)},
        "log": {"level": "INFO"},
        "bootstrap": {
            "dcs": {
                "ttl": box.patroni_ttl,
                "loop_wait": box.patroni_loop_wait,
                "retry_timeout": box.patroni_retry_timeout,
                "maximum_lag_on_failover": 1048576,
                "synchronous_mode": box.synchronous_mode,
                "postgresql": {
                    "use_pg_rewind": True,
                    "use_slots": True,
                    "parameters": {
                        "wal_level": "replica", "hot_standby": "on", "wal_log_hints": "on",
                        "max_wal_senders": 10, "max_replication_slots": 10,
                        "wal_keep_size": "128MB", "max_connections": 100,
                        "shared_buffers": "64MB",
                        "password_encryption": "scram-sha-256",
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
        },
        "postgresql": {
            "listen": str(node),
            "connect_address": str(node),
            "data_dir": str(folder / name / "data"),
            "bin_dir": str(PG_BIN),
            "pgpass": str(folder / name / "pgpass"),
            "authentication": {
                "superuser": {"username": "postgres", "password": superuser_password},
                "replication": {"username": "replicator", "password": superuser_password},
                "rewind": {"username": "rewinder", "password": superuser_password},
            },
            "parameters": {"unix_socket_directories": str(folder / name)},
            # Managed by Patroni in full: initdb's own file would trust every local TCP client.
            "pg_hba": [
                "local all all trust",
                "host replication replicator 127.0.0.1/32 scram-sha-256",
                "host all all 127.0.0.1/32 scram-sha-256",
            ],
            # Two replicas cloning at once otherwise wait minutes for a spread checkpoint.
            "basebackup": [{"checkpoint": "fast"}],
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False},
    }
    return yaml.safe_dump(config, sort_keys=False)


def haproxy_cfg(settings: Settings) -> str:
    """Writer endpoint -> the node answering 200 on /primary; reader -> nodes on /replica."""
    pg = settings.postgres
    backends = "\n".join(
        f"    server n{i + 1} {node} maxconn 100 check port {api.port}"
        for i, (node, api) in enumerate(zip(pg.nodes, pg.patroni_api, strict=True))
    )
    checks = ("    default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1 "
              "on-marked-down shutdown-sessions")

    def listen(name: str, bind: Endpoint, health: str, balance: str) -> str:
        return (f"listen {name}\n    bind {bind}\n    balance {balance}\n"
                f"    option httpchk GET {health}\n    http-check expect status 200\n"
                f"{checks}\n{backends}\n")

    return (
        "global\n    maxconn 1000\n"
        "defaults\n    mode tcp\n    timeout connect 1s\n    timeout client 30m\n"
        "    timeout server 30m\n    timeout check 1s\n"
        f"listen stats\n    mode http\n    bind {settings.sandbox.haproxy_stats}\n"
        "    stats enable\n    stats uri /\n"
        + listen("pg_writer", pg.writer, "/primary", "first")
        + listen("pg_reader", pg.reader, "/replica", "roundrobin")
    )


def pgbouncer_ini(settings: Settings, userlist: Path) -> str:
    """PgBouncer on its port, every database routed to the writer endpoint."""
    pg = settings.postgres
    assert pg.pgbouncer is not None
    return (
        "[databases]\n"
        f"* = host={pg.writer.host} port={pg.writer.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = {pg.pgbouncer.host}\nlisten_port = {pg.pgbouncer.port}\n"
        "unix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {userlist}\n"
        "pool_mode = transaction\ndefault_pool_size = 20\nmax_client_conn = 500\n"
        "server_connect_timeout = 3\n"
        "admin_users = postgres\nignore_startup_parameters = extra_float_digits\n"
    )


def pgbouncer_userlist(users: dict[str, str]) -> str:
    """PgBouncer's auth file; plain passwords let it do SCRAM both ways."""
    return "".join(f'"{user}" "{password}"\n' for user, password in users.items())
