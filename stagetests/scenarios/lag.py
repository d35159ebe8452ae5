"""Replication lag seen by a client: a canary written in one place, polled for in another."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from stagetests.errors import NotReadyError
from stagetests.faults import LinkCut, LinkLatency
from stagetests.measure.histogram import new_histogram
from stagetests.sandbox.waiting import WaitStrategy
from stagetests.session import SuiteSession

__all__ = ["LagSeries", "catch_up_after_cut", "lag_at_latencies", "replication_lag"]

POLL_S = 0.005
# Canaries lost in a row before the series stops: a replica that is not replicating at all
# says so in seconds instead of costing a timeout per canary.
GIVE_UP_AFTER = 3


@dataclass(frozen=True)
class LagSeries:
    """Canary lags (s) at one injected link latency; None where a canary never arrived."""

    latency_ms: int
    seconds: list[float]  # when each canary was written, since the series began
    lags_s: list[float | None]

    def percentile_ms(self, p: float) -> float | None:
        seen = [lag for lag in self.lags_s if lag is not None]
        if not seen:
            return None
        histogram = new_histogram()
        for lag in seen:
            histogram.record_value(max(1, int(lag * 1e6)))
        return float(histogram.get_value_at_percentile(p) / 1000)


def replication_lag(write: Callable[[str], object], visible: Callable[[str], bool],
                    samples: int, interval_s: float, timeout_s: float = 10.0,
                    latency_ms: int = 0) -> LagSeries:
    """``samples`` canaries, one every ``interval_s``: time from the write's start until
    ``visible`` sees it."""
    origin = time.monotonic()
    seconds: list[float] = []
    lags: list[float | None] = []
    wait = WaitStrategy.on_servers("canary", timeout_s, interval_s=POLL_S)
    for index in range(samples):
        marker = uuid.uuid4().hex
        started = time.monotonic()
        seconds.append(started - origin)
        write(marker)
        try:
            wait.until(lambda m=marker: visible(m), "visible")  # type: ignore[misc]
            lags.append(time.monotonic() - started)
        except NotReadyError:
            lags.append(None)
            if lags[-GIVE_UP_AFTER:] == [None] * GIVE_UP_AFTER:
                lags += [None] * (samples - len(lags))
                seconds += [seconds[-1]] * (samples - len(seconds))
                break
        time.sleep(max(0.0, origin + (index + 1) * interval_s - time.monotonic()))
    return LagSeries(latency_ms, seconds, lags)


def lag_at_latencies(session: SuiteSession, scenario: str, link: str,
                     write: Callable[[str], object], visible: Callable[[str], bool],
                     latencies_ms: list[int], samples: int, interval_s: float,
                     max_ms: float) -> list[LagSeries]:
    """The lag series with no fault, then under each injected one-way link latency."""
    series = []
    for latency in latencies_ms:
        if latency:
            with session.faults.active(LinkLatency(link, latency)):
                found = replication_lag(write, visible, samples, interval_s,
                                        latency_ms=latency)
        else:
            found = replication_lag(write, visible, samples, interval_s)
        series.append(found)
        name, add = f"{scenario} at +{latency} ms", session.run.add_metric
        add(session.suite, name, "lag p50", found.percentile_ms(50), "ms")
        add(session.suite, name, "lag p99", found.percentile_ms(99), "ms", max_ms)
        add(session.suite, name, "canaries lost", float(found.lags_s.count(None)), "canaries",
            0)
    return series


def catch_up_after_cut(session: SuiteSession, scenario: str, link: str,
                       write: Callable[[str], object], visible: Callable[[str], bool],
                       cut_s: float, writes: int, max_s: float) -> float | None:
    """Cut the link for ``cut_s`` while writing; seconds from the heal until region B
    shows every write made during the cut. The cut refuses and resets connections, as a
    firewall does; a blackhole would instead discard bytes mid-stream, which TCP never
    does, and leave the replica waiting for its receive timeout."""
    markers = []
    with session.faults.active(LinkCut(link, blackhole=False)):
        for _ in range(writes):
            markers.append(uuid.uuid4().hex)
            write(markers[-1])
            time.sleep(cut_s / writes)
    healed = time.monotonic()
    wait = WaitStrategy.on_servers("catch-up", max(60.0, 3 * max_s), interval_s=POLL_S)
    try:
        wait.until(lambda: visible(markers[-1]) and all(visible(m) for m in markers), "caught up")
        catch_up: float | None = time.monotonic() - healed
    except NotReadyError:
        catch_up = None
    session.run.add_metric(session.suite, f"{scenario}: {cut_s:g} s link cut", "catch-up",
                           catch_up, "s", max_s, note=f"{writes} writes during the cut")
    return catch_up
