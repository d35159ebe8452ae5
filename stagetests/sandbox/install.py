"""``stagetests sandbox install``: the Debian packages the sandbox runs, installed once."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from stagetests.console import say, step
from stagetests.errors import PlatformError, SandboxError

__all__ = ["PACKAGES", "install_packages", "missing_packages"]

PACKAGES = (
    "postgresql-15", "postgresql-client-15", "patroni", "etcd-server", "etcd-client",
    "haproxy", "pgbouncer", "redis-server", "redis-sentinel", "redis-tools",
    "chromium",  # renders reports headless: the test that a report shows its plots offline
)
# Only fetched when the machine has no Java 17+ or no Maven of its own (e.g. a JDK in /opt).
JAVA_PACKAGES = ("openjdk-17-jre-headless", "maven")
POLICY_RC = Path("/usr/sbin/policy-rc.d")


def _is_debian() -> bool:
    try:
        release = Path("/etc/os-release").read_text()
    except OSError:
        return False
    fields = dict(line.split("=", 1) for line in release.splitlines() if "=" in line)
    family = f"{fields.get('ID', '')} {fields.get('ID_LIKE', '')}".replace('"', "")
    return "debian" in family.split() or "ubuntu" in family.split()


def _java_major() -> int:
    if shutil.which("java") is None:
        return 0
    result = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)', result.stderr + result.stdout)
    return int(match[1]) if match else 0


def missing_packages() -> list[str]:
    """The sandbox's packages dpkg does not list as installed (Java/Maven: when not usable)."""
    missing = []
    wanted = list(PACKAGES)
    if _java_major() < 17 or shutil.which("mvn") is None:
        wanted += JAVA_PACKAGES
    for package in wanted:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True, check=False)
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def install_packages() -> None:
    """apt-get the missing packages without letting their services start on our ports."""
    if not _is_debian() or shutil.which("apt-get") is None:
        raise PlatformError("sandbox install needs Debian or Ubuntu with apt-get; elsewhere "
                            f"install these yourself: {' '.join(PACKAGES)}")
    missing = missing_packages()
    if not missing:
        say("   sandbox packages: all present")
        _stop_debian_clusters()
        return
    if os.geteuid() != 0:
        raise PlatformError(f"installing {' '.join(missing)} needs root: "
                            "run 'sudo stagetests sandbox install' (or 'sudo make install')")
    # Package scripts would otherwise start redis, etcd and a PostgreSQL cluster on our ports.
    own_policy = not POLICY_RC.exists()
    if own_policy:
        POLICY_RC.write_text("#!/bin/sh\nexit 101\n")
        POLICY_RC.chmod(0o755)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        with step(f"apt-get install {' '.join(missing)}"):
            for argv in (["apt-get", "update", "-q"],
                         ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]):
                result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
                if result.returncode != 0:
                    tail = " | ".join(result.stderr.strip().splitlines()[-2:])
                    raise SandboxError(f"{' '.join(argv[:2])} failed: {tail}")
    finally:
        if own_policy:
            POLICY_RC.unlink(missing_ok=True)
    _stop_debian_clusters()


def _stop_debian_clusters() -> None:
    """Debian creates a cluster ``15/main`` on 5432: make sure it is down and stays down."""
    if shutil.which("pg_lsclusters") is None:
        return
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True,
                             check=False).stdout
    for line in listing.splitlines():
        version, cluster, _port, status, *_ = line.split()
        if status.startswith("online") and os.geteuid() == 0:
            say(f"   stopping Debian's PostgreSQL cluster {version}/{cluster}")
            subprocess.run(["pg_ctlcluster", version, cluster, "stop"], check=False)
        start_conf = Path(f"/etc/postgresql/{version}/{cluster}/start.conf")
        if os.geteuid() == 0 and start_conf.exists() and "auto" in start_conf.read_text():
            start_conf.write_text("manual\n")
