"""HAProxy's stats page: which backends each endpoint routes to right now."""

from __future__ import annotations

import csv
import io
import urllib.request

from stagetests.errors import ServiceUnreachableError
from stagetests.settings import Endpoint

__all__ = ["routed_servers"]


def routed_servers(stats: Endpoint, timeout_s: float = 2.0) -> dict[str, list[str]]:
    """``{proxy: [server, ...]}`` of servers that are UP after a passed health check.

    A server HAProxy has not checked yet also shows as UP (HAProxy 2.6 starts optimistic);
    it is left out here, so an empty list means "not routable yet", not "routes anywhere".
    """
    try:
        with urllib.request.urlopen(f"http://{stats}/;csv", timeout=timeout_s) as answer:
            text = answer.read().decode()
    except OSError as exc:
        raise ServiceUnreachableError(f"haproxy stats {stats}: {exc}") from exc
    routes: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text.lstrip("# "))):
        if row["svname"] in {"FRONTEND", "BACKEND"}:
            continue
        servers = routes.setdefault(row["pxname"], [])
        if row["status"] == "UP" and row["check_status"].startswith("L7OK"):
            servers.append(row["svname"])
    return routes
