"""What a probe of one endpoint found, whatever the system behind it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from stagetests.errors import InfrastructureError
from stagetests.settings import Endpoint

__all__ = ["EndpointProbe", "timed_probe"]


@dataclass(frozen=True)
class EndpointProbe:
    """One row of ``stagetests check``: who answered at an endpoint and how fast."""

    name: str
    endpoint: Endpoint
    reachable: bool
    role: str = ""
    version: str = ""
    round_trip_ms: float | None = None
    error: str = ""


def timed_probe(
    name: str, endpoint: Endpoint, ask: Callable[[], tuple[str, str]]
) -> EndpointProbe:
    """Run ``ask`` (returning role and version) and time it; an infrastructure error is a row."""
    started = time.perf_counter()
    try:
        role, version = ask()
    except InfrastructureError as exc:
        return EndpointProbe(name, endpoint, reachable=False, error=str(exc))
    elapsed_ms = (time.perf_counter() - started) * 1000
    return EndpointProbe(name, endpoint, True, role, version, round(elapsed_ms, 2))
