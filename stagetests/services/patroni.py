"""Patroni's REST API: who leads, who replicates, and planned switchovers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stagetests.errors import ServiceError, ServiceUnreachableError
from stagetests.settings import Endpoint

__all__ = ["PatroniApi", "PatroniMember"]


@dataclass(frozen=True)
class PatroniMember:
    """One member of the cluster as Patroni's ``/cluster`` reports it."""

    name: str
    role: str  # leader, replica, sync_standby, standby_leader
    state: str  # running, streaming, stopped, starting, ...
    port: int
    lag_bytes: int | None


@dataclass(frozen=True)
class PatroniApi:
    """The REST endpoints of the Patroni nodes; any live one can answer for the cluster."""

    apis: Sequence[Endpoint]
    timeout_s: float = 2.0

    def members(self) -> list[PatroniMember]:
        """The cluster's members from the first REST endpoint that answers."""
        data = self._first_answer("/cluster")
        return [
            PatroniMember(m["name"], m["role"], m.get("state", ""), int(m["port"]),
                          m.get("lag") if isinstance(m.get("lag"), int) else None)
            for m in data.get("members", [])
        ]

    def leader(self) -> PatroniMember | None:
        return next((m for m in self.members() if m.role == "leader"), None)

    def node_role(self, api: Endpoint) -> str:
        """The role one node reports about itself (``master``/``primary`` or ``replica``)."""
        role = str(self._get(api, "/patroni").get("role", "unknown"))
        return "primary" if role == "master" else role

    def config(self) -> dict[str, Any]:
        """The cluster's dynamic configuration (from the DCS)."""
        return self._first_answer("/config")

    def patch_config(self, changes: dict[str, Any]) -> None:
        """Change dynamic settings; each node applies them on its next cycle (loop_wait)."""
        self._send("PATCH", "/config", changes)

    def healthy(self) -> str | bool:
        """True when there is one leader and every other member replicates with known lag."""
        members = self.members()
        leaders = [m for m in members if m.role == "leader"]
        lagging = [m.name for m in members if m.role != "leader"
                   and (m.state not in {"running", "streaming"} or m.lag_bytes is None)]
        if len(leaders) != 1 or lagging or len(members) < len(self.apis):
            return (f"not yet: leaders {[m.name for m in leaders]}, not replicating "
                    f"{lagging}, {len(members)} of {len(self.apis)} members")
        return True

    def switchover(self, leader: str, candidate: str | None = None) -> None:
        """Ask Patroni for a planned switchover away from ``leader``."""
        body: dict[str, str] = {"leader": leader}
        if candidate:
            body["candidate"] = candidate
        self._send("POST", "/switchover", body)

    def _send(self, method: str, path: str, body: dict[str, Any]) -> None:
        api = self.apis[0]
        request = urllib.request.Request(
            f"http://{api}{path}", data=json.dumps(body).encode(), method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=max(self.timeout_s, 30.0)) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace").strip()
            raise ServiceError(f"patroni {api}{path}: refused: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ServiceUnreachableError(f"patroni {api}: {exc}") from exc

    def _first_answer(self, path: str) -> dict[str, Any]:
        last: ServiceUnreachableError | None = None
        for api in self.apis:
            try:
                return self._get(api, path)
            except ServiceUnreachableError as exc:
                last = exc
        raise last or ServiceUnreachableError("patroni: no REST endpoint configured")

    def _get(self, api: Endpoint, path: str) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(f"http://{api}{path}", timeout=self.timeout_s) as answer:
                return dict(json.load(answer))
        except urllib.error.HTTPError as exc:
            # Health endpoints answer 503 with the same JSON body for "not this role".
            return dict(json.loads(exc.read() or b"{}"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ServiceUnreachableError(f"patroni {api}{path}: {exc}") from exc
