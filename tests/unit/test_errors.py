"""The error tree, its exit codes, and how the CLI turns errors into one line."""

from __future__ import annotations

import pytest

import stagetests.errors as errors
from stagetests import cli
from stagetests.errors import (
    AuthenticationError,
    ConfigError,
    NotReadyError,
    PlatformError,
    PortInUseError,
    ServiceUnreachableError,
    StagetestsError,
)


def test_every_public_error_derives_from_the_root() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), StagetestsError), name


@pytest.mark.parametrize(
    ("error", "code"),
    [(ConfigError, 2), (PlatformError, 2), (ServiceUnreachableError, 3),
     (AuthenticationError, 3), (NotReadyError, 3), (PortInUseError, 3), (StagetestsError, 1)],
)
def test_exit_codes(error: type[StagetestsError], code: int) -> None:
    assert error.exit_code == code


def test_cli_prints_one_line_and_exits_2_for_a_bad_profile(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["check", "--profile", "no-such-profile"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "no-such-profile" in err


def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sandbox", "sideways"]) == 2
    assert cli.main(["sandbox", "up", "--suite", "bogus"]) == 2
    assert cli.main([]) == 2
    assert cli.main(["check", "--profile", "local", "--bogus"]) == 2


def test_cli_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["sandbox", "--help"])
    assert exit_info.value.code == 0
    assert "install" in capsys.readouterr().out


def test_cli_maps_a_closed_port_to_3(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 1 on loopback is closed on any sane machine: a refusal, not a network call.
    monkeypatch.setenv("STAGETESTS_REDIS_NODES", "127.0.0.1:1")
    monkeypatch.setenv("STAGETESTS_REDIS_SENTINELS", "")
    monkeypatch.setenv("STAGETESTS_REDIS_CLUSTER_NODES", "")
    assert cli.main(["check", "--suite", "cache"]) == 3
    err = capsys.readouterr().err
    assert "127.0.0.1:1" in err and err.count("\n") == 1


def test_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(cli, "load_settings", broken)
    with pytest.raises(ZeroDivisionError):
        cli.main(["check"])


def test_run_accepts_the_seeds_test_type_spelling_and_checks_parameters() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["run", "--test-type", "cache", "-p", "duration_s=3"])
    assert args.suite == "cache" and args.parameter == ["duration_s=3"]
    assert cli.main(["run", "--suite", "database", "-p", "no-equals-sign"]) == 2
    assert cli.main(["run", "--suite", "queues"]) == 2


def test_report_names_an_unknown_run(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    assert cli.main(["report", "no-such-run", "--reports", str(tmp_path)]) == 2
    assert "no-such-run" in capsys.readouterr().err
