"""Tools the sandbox builds or downloads once into its cache: Kafka's jars and Toxiproxy."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from stagetests.console import say, step
from stagetests.errors import PlatformError, SandboxError

__all__ = ["KAFKA_VERSION", "TOXIPROXY_VERSION", "Tools", "find_go"]

KAFKA_VERSION = "4.1.2"
TOXIPROXY_VERSION = "v2.12.0"
TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2/cmd/server"
MIN_GO = (1, 23)
POM = Path(__file__).with_name("runtime") / "kafka-runtime.pom.xml"
# Short-lived JVMs (storage format, perf tools) start faster without C2 and with serial GC.
TOOL_JVM = ("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
SERVER_JVM = ("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
              "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true")


def _run(argv: list[str], what: str, timeout_s: float = 600, **kwargs: object) -> None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s,
                                check=False, **kwargs)  # type: ignore[call-overload]
    except subprocess.TimeoutExpired as exc:
        raise SandboxError(f"{what} did not finish within {timeout_s:.0f}s") from exc
    if result.returncode != 0:
        tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
        raise SandboxError(f"{what} failed (exit {result.returncode}): {tail}")


def find_go() -> str:
    """A ``go`` of at least 1.23 (Toxiproxy v2.12's minimum), or a ``PlatformError``."""
    candidates = [shutil.which("go"), "/usr/local/go/bin/go", "/usr/lib/go/bin/go"]
    found = []
    for go in dict.fromkeys(c for c in candidates if c and Path(c).exists()):
        output = subprocess.run([go, "version"], capture_output=True, text=True,
                                check=False).stdout
        match = re.search(r"go(\d+)\.(\d+)", output)
        if match and (int(match[1]), int(match[2])) >= MIN_GO:
            return go
        found.append(f"{go} ({match[0] if match else 'unknown version'})")
    have = ", ".join(found) or "none on PATH"
    raise PlatformError(f"building Toxiproxy needs Go >= {MIN_GO[0]}.{MIN_GO[1]} (found: {have}); "
                        "install it from https://go.dev/dl and put it on PATH")


@dataclass(frozen=True)
class Tools:
    """Paths of the cached tools and how to launch Kafka's JVM programs."""

    cache_dir: Path

    @property
    def kafka_lib(self) -> Path:
        return self.cache_dir / f"kafka-{KAFKA_VERSION}" / "lib"

    @property
    def toxiproxy(self) -> Path:
        return self.cache_dir / f"toxiproxy-{TOXIPROXY_VERSION}" / "toxiproxy-server"

    def require(self) -> None:
        """Raise when ``stagetests sandbox install`` has not fetched the tools yet."""
        for path in (self.kafka_lib, self.toxiproxy):
            if not path.exists():
                raise SandboxError(f"{path} is missing; run 'stagetests sandbox install'")

    def java(self, main: str, *args: str, jvm: tuple[str, ...] = TOOL_JVM,
             log_config: Path | None = None, logs_dir: Path | None = None) -> list[str]:
        """The argv of Kafka program ``main``; the JVM expands ``lib/*`` itself."""
        props = [f"-Dlog4j2.configurationFile={log_config}"] if log_config else []
        if logs_dir is not None:
            props.append(f"-Dkafka.logs.dir={logs_dir}")
        return ["java", *jvm, *props, "-cp", f"{self.kafka_lib}/*", main, *args]

    def install(self) -> None:
        """Fetch Kafka's jars with Maven and build Toxiproxy with Go, each only once."""
        if self.kafka_lib.exists():
            say(f"   Kafka {KAFKA_VERSION} jars: cached in {self.kafka_lib}")
        else:
            self._install_kafka()
        if self.toxiproxy.exists():
            say(f"   Toxiproxy {TOXIPROXY_VERSION}: cached in {self.toxiproxy}")
        else:
            self._install_toxiproxy()

    def _install_kafka(self) -> None:
        staging = self.kafka_lib.with_name("lib.partial")
        shutil.rmtree(staging, ignore_errors=True)
        with step(f"Maven: Kafka {KAFKA_VERSION} broker, tools, MirrorMaker 2 from Maven Central"):
            _run(["mvn", "-B", "-q", "-f", str(POM),
                  f"-Dmaven.repo.local={self.cache_dir / 'm2'}",
                  "dependency:copy-dependencies", f"-DoutputDirectory={staging}",
                  "-DincludeScope=runtime", "-Dmdep.prependGroupId=true"], "mvn")
        if not any(staging.glob("*kafka_2.13*.jar")):
            raise SandboxError(f"mvn left no Kafka broker jar in {staging}")
        staging.rename(self.kafka_lib)  # complete or absent, never half there

    def _install_toxiproxy(self) -> None:
        go = find_go()
        build = self.toxiproxy.parent / "build"
        env = {**os.environ, "GOBIN": str(build), "GOPATH": str(self.cache_dir / "go"),
               "GOCACHE": str(self.cache_dir / "go" / "cache"), "CGO_ENABLED": "0"}
        with step(f"go install Toxiproxy {TOXIPROXY_VERSION}"):
            _run([go, "install", f"{TOXIPROXY_MODULE}@{TOXIPROXY_VERSION}"], "go install",
                 env=env)
        (build / "server").rename(self.toxiproxy)
        shutil.rmtree(build, ignore_errors=True)
