"""The eviction workload on one policy: fill the eviction node past its ``maxmemory`` with
skewed (Zipf) writes, then write and read together, sampling INFO as it goes.

Keys carry TTLs (``volatile-ttl`` evicts only those, and some expire during the run). Reads
of the hottest keys are counted apart: a policy that keeps what is used often (LRU, LFU)
should miss them less than one that evicts at random.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stagetests.errors import ServiceError
from stagetests.services.redis_bench import BenchConnection, pack

__all__ = ["EvictionLoad", "PolicyRun", "info_fields"]

_SAMPLE_S = 0.1


def info_fields(connection: BenchConnection, *sections: str) -> dict[str, str]:
    """INFO ``sections`` as a flat dict of strings."""
    text = b"".join(connection.call(pack([("INFO", s) for s in sections]), len(sections)))
    return dict(line.split(":", 1) for line in text.decode().splitlines() if ":" in line)


@dataclass
class PolicyRun:
    """What one policy did under pressure."""

    policy: str
    maxmemory: int
    samples: list[dict[str, float]] = field(default_factory=list)  # t_s, used, evicted...
    pressure_at_s: float | None = None  # when the fill first met the limit
    writes: int = 0
    refused: dict[str, int] = field(default_factory=dict)  # error code -> writes refused
    hot_reads: int = 0
    hot_hits: int = 0
    final: dict[str, str] = field(default_factory=dict)  # INFO memory + stats at the end

    @property
    def oom_errors(self) -> int:
        return self.refused.get("OOM", 0)

    @property
    def hot_hit_ratio(self) -> float | None:
        return self.hot_hits / self.hot_reads if self.hot_reads else None

    @property
    def peak_used(self) -> int:
        return int(max((s["used_memory"] for s in self.samples), default=0))


@dataclass
class EvictionLoad:
    """Keys ``ev:<rank>`` over ``keyspace`` ranks, drawn with Zipf exponent ``skew``."""

    keyspace: int = 100_000
    value_size: int = 512
    skew: float = 0.99
    hot_keys: int = 1_000  # the ranks whose read hit ratio is judged
    batch: int = 100  # writes (and as many reads) per pipelined round trip
    ttl_s: tuple[int, int] = (5, 600)
    # Writes per second once memory is full. Redis' LRU clock ticks once a second, so LRU
    # can only tell hot keys from cold ones when the cache turns over in seconds, not in the
    # tenth of a second an unpaced writer takes; the fill itself is unpaced.
    write_rate_per_s: float = 3_000.0
    # Hot reads count from this long after the fill: until the LRU clock has ticked, every
    # key looks as old as every other and LRU can only evict at random.
    warmup_s: float = 1.5
    seed: int = 7

    def run(self, connection: BenchConnection, run: PolicyRun, fill_cap_s: float,
            duration_s: float) -> PolicyRun:
        """Writes alone until memory meets the limit (or writes are refused, or
        ``fill_cap_s``), then writes and reads for ``duration_s``."""
        rng = np.random.default_rng(self.seed)
        weights = 1.0 / np.arange(1, self.keyspace + 1) ** self.skew
        cdf = np.cumsum(weights / weights.sum())  # a uniform draw's rank: searchsorted
        written = np.zeros(self.keyspace, dtype=bool)  # missing, never written: no eviction
        start = next_sample = time.monotonic()
        mixed_from: float | None = None  # when writes and reads began
        rounds = 0
        while mixed_from is None or time.monotonic() < mixed_from + duration_s:
            reading = mixed_from is not None
            counted = mixed_from is not None and time.monotonic() - mixed_from >= self.warmup_s
            self._round(connection, run, rng, cdf, written, reading, counted)
            if mixed_from is not None:  # paced: round n is due at n * batch / rate
                rounds += 1
                time.sleep(max(0.0, mixed_from + rounds * self.batch / self.write_rate_per_s
                               - time.monotonic()))
            now = time.monotonic()
            if now < next_sample:
                continue
            sample = self._sample(connection, now - start)
            run.samples.append(sample)
            next_sample = now + _SAMPLE_S
            full = sample["used_memory"] >= 0.95 * run.maxmemory or run.refused
            if mixed_from is None and (full or now >= start + fill_cap_s):
                run.pressure_at_s = now - start if full else None
                mixed_from = now
        run.samples.append(self._sample(connection, time.monotonic() - start))
        run.final = info_fields(connection, "memory", "stats")
        return run

    def _round(self, connection: BenchConnection, run: PolicyRun, rng: np.random.Generator,
               cdf: Any, written: Any, reading: bool, counted: bool) -> None:
        """One pipelined round trip: ``batch`` SETs with TTLs, then as many GETs if
        ``reading``; refused writes counted by error code, hot-key hits if ``counted``."""
        last = self.keyspace - 1
        writes = np.minimum(np.searchsorted(cdf, rng.random(self.batch)), last)
        reads = np.minimum(np.searchsorted(cdf, rng.random(self.batch if reading else 0)), last)
        ttls = rng.integers(*self.ttl_s, self.batch)
        value = b"v" * self.value_size
        commands: list[tuple[object, ...]] = [
            ("SET", f"ev:{k}", value, "EX", int(t)) for k, t in zip(writes, ttls, strict=True)]
        commands += [("GET", f"ev:{k}") for k in reads]
        replies = connection.exchange(pack(commands), len(commands))
        run.writes += self.batch
        for key, reply in zip(writes, replies[:self.batch], strict=True):
            if isinstance(reply, ServiceError):
                run.refused[reply.kind] = run.refused.get(reply.kind, 0) + 1
            else:
                written[key] = True
        if not counted:
            return
        for key, reply in zip(reads, replies[self.batch:], strict=True):
            if key < self.hot_keys and written[key]:
                run.hot_reads += 1
                run.hot_hits += reply is not None and not isinstance(reply, ServiceError)

    @staticmethod
    def _sample(connection: BenchConnection, t_s: float) -> dict[str, Any]:
        info = info_fields(connection, "memory", "stats")
        return {"t_s": t_s, "used_memory": float(info["used_memory"]),
                "evicted_keys": float(info["evicted_keys"]),
                "expired_keys": float(info["expired_keys"])}
