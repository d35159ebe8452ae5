"""``stagetests check``: probe every endpoint of a profile, in parallel, and say who answered."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from stagetests.registry import suite_named
from stagetests.services.probe import EndpointProbe
from stagetests.settings import Settings

__all__ = ["check_endpoints"]


def check_endpoints(settings: Settings, suite: str = "all") -> list[EndpointProbe]:
    """One probe per endpoint of ``suite``; all run at once so a dead host costs one timeout."""
    probes = [probe for build in suite_named(suite).endpoints for probe in build(settings)]
    with ThreadPoolExecutor(max_workers=max(1, len(probes))) as pool:
        return list(pool.map(lambda probe: probe(), probes))
