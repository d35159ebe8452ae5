"""The run store: verdicts, atomic writes, history, without servers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stagetests.results import RunStore, verdict, write_atomic


def test_verdicts_against_max_and_min_thresholds() -> None:
    assert verdict(5.0, 10.0, "max") == "pass" and verdict(11.0, 10.0, "max") == "fail"
    assert verdict(900.0, 1000.0, "min") == "fail" and verdict(5.0, None, "max") == "info"
    assert verdict(None, 1.0, "max") == "not run" and verdict(float("nan"), 1.0, "max") == "not run"


def test_metrics_round_trip_with_their_verdicts(tmp_path: Path) -> None:
    run = RunStore(tmp_path).create("smoke", ["database"], {"duration_s": "3"})
    assert run.add_metric("database", "health", "p99 latency", 7.5, "ms", 100.0) == "pass"
    assert run.add_metric("database", "health", "throughput", 40.0, "ops/s", 50.0,
                          limit="min") == "fail"
    run.add_metric("database", "failover", "outage", None, "s", 30.0, note="no leader")
    metrics = run.metrics()
    assert list(metrics["verdict"]) == ["pass", "fail", "not run"]
    assert metrics["threshold"].iloc[0] == 100.0 and metrics["note"].iloc[2] == "no leader"
    assert run.meta()["profile"] == "smoke" and run.meta()["status"] == "running"


def test_a_crash_while_writing_keeps_the_previous_file_and_earlier_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore(tmp_path)
    first = store.create("smoke", ["database"], {})
    first.add_metric("database", "health", "p99 latency", 7.5, "ms", 100.0)
    second = store.create("smoke", ["database"], {})
    second.add_metric("database", "health", "p99 latency", 8.0, "ms", 100.0)

    def crash(_fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        second.add_metric("database", "health", "p50 latency", 1.0, "ms")
    with pytest.raises(OSError):
        second.update(status="complete")
    monkeypatch.undo()
    assert list(second.metrics()["metric"]) == ["p99 latency"]
    assert second.meta()["status"] == "running"
    assert [p.name for p in second.folder.iterdir() if p.name.startswith(".")] == []
    history = store.history("smoke")
    assert list(history["value"]) == [7.5, 8.0]


def test_write_atomic_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "a" / "f.txt"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two" and oct(target.stat().st_mode)[-3:] == "644"


def test_a_broken_run_folder_does_not_hide_the_history(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    store.create("smoke", ["cache"], {}).add_metric("cache", "ops", "p99 latency", 1.0, "ms")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "run.json").write_text("{not json")
    assert len(store.runs()) == 1 and len(store.history()) == 1


def test_kpis_compare_with_the_previous_run_of_the_same_profile(tmp_path: Path) -> None:
    from stagetests.report.tables import kpi_table, threshold_table

    store = RunStore(tmp_path)
    first = store.create("smoke", ["database"], {})
    first.add_metric("database", "health", "p99 latency", 10.0, "ms", 100.0)
    other = store.create("staging", ["database"], {})
    other.add_metric("database", "health", "p99 latency", 99.0, "ms", 100.0)
    second = store.create("smoke", ["database"], {})
    second.add_metric("database", "health", "p99 latency", 12.0, "ms", 100.0)
    kpis = kpi_table(store, second, "database").frame
    assert kpis["previous"].iloc[0] == 10.0 and kpis["change %"].iloc[0] == 20.0
    page = threshold_table(second, "database")._repr_html_()
    assert 'class="verdict-pass"' in page and "≤ 100" in page


def test_the_verdict_banner_fails_on_any_failed_or_unrun_check(tmp_path: Path) -> None:
    from stagetests.report.tables import verdict

    run = RunStore(tmp_path).create("smoke", ["database"], {})
    run.add_metric("database", "health", "p99 latency", 7.0, "ms", 100.0)
    assert verdict(run, "database").passed
    run.add_metric("database", "failover", "outage", 31.0, "s", 30.0)
    banner = verdict(run, "database")
    assert not banner.passed and "failover: outage = 31" in banner._repr_html_()
    assert "FAIL" in banner._repr_html_()


def test_a_damaged_run_record_is_one_line_naming_the_file_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from stagetests import cli
    from stagetests.report.index import write_index

    good = RunStore(tmp_path).create("smoke", ["database"], {})
    bad = RunStore(tmp_path).create("smoke", ["database"], {})
    (bad.folder / "run.json").write_text('{"id": "trunc')
    assert cli.main(["report", bad.run_id, "--reports", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and str(bad.folder / "run.json") in error
    (good.folder / "metrics.csv").write_text("not,a\nmetrics,table,at all\n")
    assert [r.run_id for r in RunStore(tmp_path).runs()] == [good.run_id]  # bad skipped
    assert "metrics damaged" in write_index(RunStore(tmp_path)).read_text()
    assert RunStore(tmp_path).history().empty  # the damaged table is skipped, said so
    assert "metrics.csv" in capsys.readouterr().err


def test_notebook_runs_land_in_the_projects_reports_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stagetests.results import default_reports_dir

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "profiles").mkdir()
    monkeypatch.delenv("STAGETESTS_REPORTS_DIR", raising=False)
    monkeypatch.chdir(tmp_path / "notebooks")  # where JupyterLab starts a kernel
    assert default_reports_dir() == tmp_path / "reports"
    monkeypatch.setenv("STAGETESTS_REPORTS_DIR", str(tmp_path / "elsewhere"))
    assert default_reports_dir() == tmp_path / "elsewhere"
