"""Network faults on the links between region A and region B, through Toxiproxy's API."""

from __future__ import annotations

from stagetests.faults.base import Fault
from stagetests.sandbox.links import link_proxies
from stagetests.services.toxiproxy import ToxiproxyApi
from stagetests.settings import Settings

__all__ = ["LinkBandwidth", "LinkCut", "LinkLatency"]

# Both directions, as on a real WAN: a request and its answer are each delayed.
BOTH = ("upstream", "downstream")


class _Toxic(Fault):
    """One toxic per direction on every proxy of a link; reverted by removing them."""

    toxic_type: str

    def __init__(self, link: str, attributes: dict[str, int],
                 streams: tuple[str, ...] = BOTH) -> None:
        self.link, self.attributes, self.streams = link, attributes, streams
        self.placed: list[tuple[str, str]] = []

    def apply(self, settings: Settings) -> str:
        api = ToxiproxyApi(settings.sandbox.toxiproxy_api)
        for proxy in link_proxies(settings, self.link):
            for stream in self.streams:
                name = f"stagetests-{self.toxic_type}-{stream}"
                api.add_toxic(proxy.name, name, self.toxic_type, stream, self.attributes)
                self.placed.append((proxy.name, name))
        shown = ", ".join(f"{k} {v}" for k, v in self.attributes.items())
        return f"link {self.link} ({shown}, {'+'.join(self.streams)})"

    def revert(self, settings: Settings) -> str:
        api = ToxiproxyApi(settings.sandbox.toxiproxy_api)
        while self.placed:
            api.remove_toxic(*self.placed.pop())
        return "toxics removed"


class LinkLatency(_Toxic):
    """Delay every chunk by ``latency_ms`` (± ``jitter_ms``) in each direction."""

    kind = "latency"
    toxic_type = "latency"

    def __init__(self, link: str, latency_ms: int, jitter_ms: int = 0,
                 streams: tuple[str, ...] = BOTH) -> None:
        super().__init__(link, {"latency": latency_ms, "jitter": jitter_ms}, streams)


class LinkBandwidth(_Toxic):
    """Limit the link to ``rate_kb_s`` kilobytes per second in each direction."""

    kind = "bandwidth"
    toxic_type = "bandwidth"

    def __init__(self, link: str, rate_kb_s: int, streams: tuple[str, ...] = BOTH) -> None:
        super().__init__(link, {"rate": rate_kb_s}, streams)


class _Blackhole(_Toxic):
    kind = "cut"
    toxic_type = "timeout"  # with timeout 0: hold the data, never close the connection

    def __init__(self, link: str) -> None:
        super().__init__(link, {"timeout": 0})


class LinkCut(Fault):
    """A partition. ``blackhole`` (default): open connections stay up but their bytes are
    discarded (Toxiproxy's timeout toxic), so clients notice only through their own
    timeouts, and a stream protocol may need a reconnect afterwards. Otherwise the proxy
    is disabled: connections are reset and refused, as by a firewall, until the heal."""

    kind = "cut"

    def __init__(self, link: str, blackhole: bool = True) -> None:
        self.link, self.blackhole = link, blackhole
        self.timeout = _Blackhole(link)

    def apply(self, settings: Settings) -> str:
        if self.blackhole:
            self.timeout.apply(settings)
            return f"link {self.link} (blackhole)"
        api = ToxiproxyApi(settings.sandbox.toxiproxy_api)
        for proxy in link_proxies(settings, self.link):
            api.set_enabled(proxy.name, False)
        return f"link {self.link} (refused)"

    def revert(self, settings: Settings) -> str:
        if self.blackhole:
            return self.timeout.revert(settings)
        api = ToxiproxyApi(settings.sandbox.toxiproxy_api)
        for proxy in link_proxies(settings, self.link):
            api.set_enabled(proxy.name, True)
        return "link restored"
