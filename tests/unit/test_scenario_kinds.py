"""Generic scenario pieces without servers: run-scoped names, orphan ages, the cluster knee."""

from __future__ import annotations

import time

from stagetests.scenarios.namespace import orphan_age_s, run_token
from stagetests.suites.cache.cluster import knee


def test_run_tokens_and_the_age_of_an_orphan_from_its_name() -> None:
    assert run_token("20260101-120000-ab12") == "20260101_120000_ab12"
    age = orphan_age_s("st:20200101_000000_dead:k", current="20260101_120000_ab12")
    assert age is not None and age > 5 * 365 * 86400
    assert orphan_age_s("st_20260101_120000_ab12", current="20260101_120000_ab12") is None
    assert orphan_age_s("someone-elses-key", current="x") is None
    now = time.strftime("%Y%m%d_%H%M%S", time.gmtime())
    fresh = orphan_age_s(f"st:{now}_0000:k", current="other")
    assert fresh is not None and fresh < 60


def test_knee_is_the_point_of_most_throughput_per_unit_of_p99() -> None:
    def row(clients: int, depth: int, rate: float, p99: float) -> dict[str, float]:
        return {"clients": clients, "pipeline": depth, "commands_per_s": rate, "p99_ms": p99}

    rising = [row(1, 1, 100, 1.0), row(2, 1, 190, 1.1), row(4, 1, 300, 1.5)]
    assert knee(rising) == rising[-1]  # every step still bought throughput cheaply
    flat = [*rising, row(8, 1, 320, 4.0), row(16, 1, 330, 9.0)]
    assert knee(flat) == rising[-1]  # 4 -> 8 clients: +7% throughput for p99 x2.7
    assert knee([row(1, 1, 0, 1.0)]) is None
