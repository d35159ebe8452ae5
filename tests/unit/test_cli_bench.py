"""``stagetests bench`` for a system it cannot benchmark yet: one line, exit 2, no network."""

from __future__ import annotations

import pytest

from stagetests.cli import main


@pytest.mark.parametrize("system", ["kafka", "postgres"])
def test_bench_for_other_systems_is_a_usage_error(system: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--system", system, "--profile", "smoke"]) == 2
    assert capsys.readouterr().err.strip() == \
        f"stagetests: error: bench --system {system}: not yet"


def test_bench_needs_a_system(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench"]) == 2
    assert "--system" in capsys.readouterr().err
