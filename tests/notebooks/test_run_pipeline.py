"""``stagetests run`` on tiny purpose-built notebooks: exit codes, saved notebooks, offline
HTML, the index, and a headless Chromium screenshot of a report's plot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image
import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from stagetests import cli
from stagetests.sandbox.topology import Topology
from stagetests.settings import Settings

pytestmark = [pytest.mark.notebook, pytest.mark.postgres]

PARAMETERS = 'profile = ""\nrun_dir = ""\nsuite = "database"\nrate_per_s = 200.0'
PLOT = ("from stagetests.measure.drivers import open_loop\n"
        "import stagetests.report.plots as plots\n"
        "from stagetests.session import open_session\n"
        "session = open_session(profile, run_dir, suite)\n"
        "result = open_loop(lambda: (lambda: None), rate_per_s, duration_s=3.0)\n"
        "session.run.add_metric(suite, 'smoke', 'throughput', "
        "result.summary()['throughput_per_s'], 'ops/s', 1.0, limit='min')\n"
        "plots.latency_over_time(result, title='smoke latency')")


def _notebook(folder: Path, *cells: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    notebook = new_notebook(cells=[new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
                                   *(new_code_cell(c) for c in cells)],
                            metadata={"kernelspec": {"name": "python3", "language": "python",
                                                     "display_name": "Python 3"}})
    path = folder / "database.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: Topology,
              settings: Settings) -> Path:
    monkeypatch.setenv("STAGETESTS_NOTEBOOKS_DIR", str(tmp_path / "notebooks"))
    monkeypatch.setenv("STAGETESTS_REPORTS_DIR", str(tmp_path / "reports"))
    return tmp_path


def _run(*extra: str) -> int:
    return cli.main(["run", "--suite", "database", "--profile", "smoke", *extra])


def _only_run(workspace: Path) -> Path:
    runs = [p for p in (workspace / "reports").iterdir() if p.is_dir()]
    assert len(runs) == 1
    return runs[0]


def test_a_raising_cell_exits_1_and_the_report_shows_the_error(workspace: Path) -> None:
    _notebook(workspace / "notebooks", "print('before')", "raise ValueError('broken on purpose')")
    assert _run() == 1
    run = _only_run(workspace)
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "partial" and meta["verdict"] == "error"
    assert "ValueError" in meta["suite_results"]["database"]["error"]
    page = (run / "database.html").read_text()
    assert "broken on purpose" in page and "An Exception was encountered" in page
    assert (run / "database.ipynb").exists()
    assert run.name in (workspace / "reports" / "index.html").read_text()


def test_an_unknown_parameter_exits_2_before_anything_runs(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _notebook(workspace / "notebooks", "raise SystemExit('must not run')")
    assert _run("-p", "rate_per_sec=5") == 2
    err = capsys.readouterr().err
    assert "rate_per_sec" in err and "rate_per_s" in err and err.count("\n") == 1
    assert not (workspace / "reports").exists()
    assert _run("-p", "rate_per_s=fast") == 2


def test_a_passing_notebook_exits_0_with_an_offline_report_chromium_can_show(
    workspace: Path
) -> None:
    _notebook(workspace / "notebooks", PLOT)
    assert _run("-p", "rate_per_s=100") == 0
    run = _only_run(workspace)
    page = (run / "database.html").read_text()
    image = re.search(r'<img alt="smoke latency" src="data:image/png;base64,[^"]{2000,}"', page)
    assert image is not None
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)
    assert len(page.encode()) < 300_000
    meta = json.loads((run / "run.json").read_text())
    assert meta["verdict"] == "pass" and meta["parameters"] == {"rate_per_s": "100"}

    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed (stagetests sandbox install brings it)")
    shot = workspace / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--user-data-dir={workspace / 'chromium'}", "--window-size=1000,700",
                    f"--screenshot={shot}", (run / "database.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    pixels = matplotlib.image.imread(str(shot))[..., :3]
    # The plot's p50 line (matplotlib's first colour, #1f77b4) is on the page.
    blue = np.all(np.abs(pixels - np.array([0x1F, 0x77, 0xB4]) / 255) < 0.08, axis=-1)
    assert blue.sum() > 200
