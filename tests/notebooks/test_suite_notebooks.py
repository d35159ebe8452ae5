"""The real suite notebooks, executed by ``stagetests run`` at smoke size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stagetests import cli
from stagetests.sandbox.topology import Topology

pytestmark = [pytest.mark.notebook, pytest.mark.postgres, pytest.mark.cross_region]


def test_the_database_notebook_measures_all_five_scenarios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, region_b: list[Topology]
) -> None:
    monkeypatch.setenv("STAGETESTS_REPORTS_DIR", str(tmp_path))
    # Thresholds may fail on a loaded CI machine (exit 1); a cell must not.
    assert cli.main(["run", "--suite", "database", "--profile", "smoke"]) in (0, 1)
    run = next(p for p in tmp_path.iterdir() if p.is_dir())
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "complete", meta["suite_results"]
    page = (run / "database.html").read_text()
    for section in ("Connection-pool performance", "Health validation", "Cross-region",
                    "Failover and recovery", "Test data and cleanup"):
        assert section in page
    # Every figure is an image in the page, not the repr of a chart object.
    assert page.count('alt="Writes around: ') == 4 and "report.plots.Chart" not in page
    metrics = (run / "metrics.csv").read_text()
    assert "objects left over,0" in metrics and "not run" not in metrics


@pytest.mark.redis
def test_the_cache_notebook_measures_all_five_scenarios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_region_b: Topology
) -> None:
    monkeypatch.setenv("STAGETESTS_REPORTS_DIR", str(tmp_path))
    # Thresholds may fail on a loaded CI machine (exit 1); a cell must not.
    # Two commands (of seven) beside redis-benchmark keep the suite within CI's minutes.
    assert cli.main(["run", "--suite", "cache", "--profile", "smoke",
                     "-p", 'bench_commands=["GET", "SET"]']) in (0, 1)
    run = next(p for p in tmp_path.iterdir() if p.is_dir())
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "complete", meta["suite_results"]
    page = (run / "cache.html").read_text()
    for section in ("Cluster performance", "Sentinel failover", "Cross-region cache",
                    "Eviction and memory", "Benchmarking", "Test data and cleanup"):
        assert section in page
    assert page.count('alt="Writes around: ') == 4 and "report.plots.Chart" not in page
    metrics = (run / "metrics.csv").read_text()
    assert "keys left over,0" in metrics and "not run" not in metrics
    histograms = {p.name for p in (run / "histograms").glob("*.hgrm")}
    assert "cache-sentinel-failover-kill-via-wait-1.hgrm" in histograms
    assert any(name.startswith("cache-benchmark-cluster-get") for name in histograms)
