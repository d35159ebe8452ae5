"""The one wait strategy: returns the first truthy answer, names the last error on timeout."""

from __future__ import annotations

import itertools

import pytest

from stagetests.errors import NotReadyError, ServiceUnreachableError
from stagetests.sandbox.waiting import WaitStrategy


def test_returns_the_first_truthy_answer_after_transient_errors() -> None:
    answers = itertools.count()

    def check() -> int:
        n = next(answers)
        if n < 2:
            raise ServiceUnreachableError("refused")
        return n

    assert WaitStrategy("svc", timeout_s=5, interval_s=0.001).until(check) == 2


def test_timeout_names_the_service_and_the_last_error() -> None:
    def check() -> bool:
        raise ServiceUnreachableError("db 127.0.0.1:5000: connection refused")

    strategy = WaitStrategy("postgres writer").with_timeout(0.05).with_interval(0.01)
    expected = r"postgres writer not ready after .*connection refused"
    with pytest.raises(NotReadyError, match=expected):
        strategy.until(check)


def test_a_not_yet_reason_is_reported() -> None:
    strategy = WaitStrategy("replication", timeout_s=0.05, interval_s=0.01)
    with pytest.raises(NotReadyError, match="1 of 2 streaming"):
        strategy.until(lambda: "not yet: 1 of 2 streaming", "streaming")


def test_other_errors_propagate_at_once() -> None:
    calls = []

    def check() -> bool:
        calls.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        WaitStrategy("svc", timeout_s=5).until(check)
    assert len(calls) == 1
