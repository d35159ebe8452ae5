"""The links between region A and region B: one Toxiproxy server, one proxy per connection."""

from __future__ import annotations

import json

from stagetests.console import step
from stagetests.errors import ConfigError, ServiceUnreachableError
from stagetests.sandbox.tools import Tools
from stagetests.sandbox.topology import SandboxServer, Topology
from stagetests.services.toxiproxy import Proxy, ToxiproxyApi
from stagetests.settings import Settings

__all__ = ["LINKS", "LinkTopology", "link_proxies"]

LINKS = ("postgres", "redis", "kafka")


def link_proxies(settings: Settings, link: str | None = None) -> list[Proxy]:
    """The proxies of ``link`` (all links when None). Region B connects to their listen side.

    postgres: the standby's replication connection, to the writer endpoint (so it follows a
    failover); redis: the replica's link to the first Redis node; kafka: one proxy per
    region-A broker, to the listener that advertises the proxy's address.
    """
    if link is not None and link not in LINKS:
        raise ConfigError(f"unknown link {link!r} (choose from {', '.join(LINKS)})")
    box = settings.sandbox
    proxies = {
        "postgres": [Proxy("postgres", box.postgres_link_proxy, settings.postgres.writer)],
        "redis": [Proxy("redis", box.redis_link_proxy, settings.redis.nodes[0])],
        "kafka": [Proxy(f"kafka-{index + 1}", proxy, listener) for index, (proxy, listener)
                  in enumerate(zip(box.kafka_link_proxies, box.kafka_link_listeners,
                                   strict=True))],
    }
    return [p for name in ([link] if link else LINKS) for p in proxies[name]]


class LinkTopology(Topology):
    """Toxiproxy with every link defined at start, so a link exists before its region B."""

    name = "links"

    @property
    def api(self) -> ToxiproxyApi:
        return ToxiproxyApi(self.settings.sandbox.toxiproxy_api)

    def servers(self) -> list[SandboxServer]:
        api = self.settings.sandbox.toxiproxy_api
        config = self.state.topology_dir(self.name) / "toxiproxy.json"
        process = self.state.process(
            "toxiproxy", [str(Tools(self.settings.sandbox.cache_dir).toxiproxy), "-host",
                          api.host, "-port", str(api.port), "-config", str(config)],
            env={"LOG_LEVEL": "warn"})
        listens = tuple(p.listen.port for p in link_proxies(self.settings))
        return [SandboxServer("toxiproxy", api.port, process, self._role, extra_ports=listens)]

    def start_fresh(self) -> None:
        Tools(self.settings.sandbox.cache_dir).require()
        folder = self.state.fresh_dir(self.name)
        proxies = [p.as_json() for p in link_proxies(self.settings)]
        (folder / "toxiproxy.json").write_text(json.dumps(proxies, indent=2))
        with step(f"Toxiproxy with {len(proxies)} links"):
            self.servers()[0].process.start()

    def wait_ready(self) -> None:
        self.wait("toxiproxy").until(self._all_links, "serving every link")

    def _all_links(self) -> str | bool:
        self.servers()[0].process.require_running()
        have = set(self.api.proxies())
        missing = [p.name for p in link_proxies(self.settings) if p.name not in have]
        return f"not yet: links {missing} missing" if missing else True

    def _role(self) -> str:
        proxies = self.api.proxies()
        if not proxies:
            raise ServiceUnreachableError("toxiproxy: no links defined")
        cut = [name for name, p in proxies.items() if not p.enabled]
        toxics = sum(len(p.toxics) for p in proxies.values())
        return f"{len(proxies)} links, {toxics} toxics" + (f", cut: {','.join(cut)}" if cut else "")
