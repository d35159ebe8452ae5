"""The fault interface without any server: refusal, records, revert on failure."""

from __future__ import annotations

import pytest

from stagetests.errors import ConfigError, FaultRefusedError
from stagetests.faults import Fault, FaultInjector
from stagetests.profiles import load_settings
from stagetests.sandbox.links import link_proxies
from stagetests.settings import Endpoint, Settings


class Recorded(Fault):
    """A fault that only notes what the injector asked of it."""

    kind = "recorded"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def apply(self, settings: Settings) -> str:
        self.calls.append("apply")
        return "nothing"

    def revert(self, settings: Settings) -> str:
        self.calls.append("revert")
        return "undone"


def test_a_profile_without_allow_destructive_refuses_every_fault() -> None:
    fault = Recorded()
    injector = FaultInjector(load_settings("staging.example"))
    with pytest.raises(FaultRefusedError, match=r"staging\.example.*allow_destructive"):
        injector.apply(fault)
    assert fault.calls == [] and injector.records == []
    assert FaultRefusedError.exit_code == 2


def test_a_fault_is_recorded_from_apply_to_revert() -> None:
    injector = FaultInjector(load_settings("local"))
    with injector.active(Recorded()) as record:
        assert record.ended_at is None and record.target == "nothing"
    assert record.detail == "undone"
    assert record.duration_s is not None and record.duration_s >= 0


def test_a_failing_block_still_reverts_its_fault() -> None:
    fault = Recorded()
    with pytest.raises(RuntimeError), FaultInjector(load_settings("local")).active(fault):
        raise RuntimeError("scenario broke")
    assert fault.calls == ["apply", "revert"]


def test_revert_all_undoes_what_is_still_active_newest_first() -> None:
    injector = FaultInjector(load_settings("local"))
    first, second = Recorded(), Recorded()
    done = injector.revert(injector.apply(first))
    injector.apply(second)
    injector.revert_all()
    assert first.calls == ["apply", "revert"] and second.calls == ["apply", "revert"]
    assert done.ended_at is not None and all(r.ended_at for r in injector.records)


def test_links_map_region_b_ports_to_region_a() -> None:
    settings = load_settings("local")
    by_name = {p.name: p for p in link_proxies(settings)}
    assert by_name["postgres"].upstream == settings.postgres.writer
    assert by_name["redis"].listen == Endpoint("127.0.0.1", 16379)
    assert [p.name for p in link_proxies(settings, "kafka")] == ["kafka-1", "kafka-2", "kafka-3"]
    assert by_name["kafka-2"].upstream == Endpoint("127.0.0.1", 9193)
    with pytest.raises(ConfigError, match="'dns'"):
        link_proxies(settings, "dns")
