"""Toxiproxy's HTTP API: the links between region A and region B and the toxics on them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from stagetests.errors import ServiceError, ServiceUnreachableError
from stagetests.settings import Endpoint

__all__ = ["Proxy", "ToxiproxyApi"]

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Proxy:
    """One TCP proxy: clients connect to ``listen``, Toxiproxy forwards to ``upstream``."""

    name: str
    listen: Endpoint
    upstream: Endpoint
    enabled: bool = True
    toxics: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "listen": str(self.listen), "upstream": str(self.upstream),
                "enabled": self.enabled}


@dataclass(frozen=True)
class ToxiproxyApi:
    """A Toxiproxy server, by the address of its API."""

    endpoint: Endpoint

    def _call(self, method: str, path: str, body: object = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://{self.endpoint}{path}", data=data, method=method,
            headers={"Content-Type": "application/json", "User-Agent": "stagetests"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:
                text = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip()
            raise ServiceError(f"toxiproxy {method} {path}: HTTP {exc.code} {detail}") from exc
        except OSError as exc:
            raise ServiceUnreachableError(f"toxiproxy {self.endpoint}: {exc}") from exc
        return json.loads(text) if text.strip() else None

    def proxies(self) -> dict[str, Proxy]:
        found = self._call("GET", "/proxies")
        return {name: Proxy(name, _endpoint(p["listen"]), _endpoint(p["upstream"]),
                            bool(p["enabled"]), tuple(t["name"] for t in p.get("toxics", [])))
                for name, p in found.items()}

    def populate(self, proxies: list[Proxy]) -> None:
        """Create or replace ``proxies`` (idempotent)."""
        self._call("POST", "/populate", [p.as_json() for p in proxies])

    def set_enabled(self, proxy: str, enabled: bool) -> None:
        """Disable to cut the link: open connections close, new ones are refused."""
        self._call("POST", f"/proxies/{proxy}", {"enabled": enabled})

    def add_toxic(self, proxy: str, name: str, kind: str, stream: str,
                  attributes: dict[str, int]) -> None:
        self._call("POST", f"/proxies/{proxy}/toxics",
                   {"name": name, "type": kind, "stream": stream, "toxicity": 1.0,
                    "attributes": attributes})

    def remove_toxic(self, proxy: str, name: str) -> None:
        self._call("DELETE", f"/proxies/{proxy}/toxics/{name}")


def _endpoint(text: str) -> Endpoint:
    host, _, port = text.rpartition(":")
    return Endpoint(host or "127.0.0.1", int(port))
