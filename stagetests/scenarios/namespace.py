"""Per-run test data, whatever the system: a name every object carries, the age of an orphan
from its name, and the cleanup verdict (nothing left over)."""

from __future__ import annotations

import calendar
import re
import time

from stagetests.session import SuiteSession

__all__ = ["orphan_age_s", "record_cleanup", "run_token"]

# Run ids look like 20261125_101500_ab12 once made name-safe (see ``run_token``).
_TOKEN = re.compile(r"(\d{8})_(\d{6})_[0-9a-f]{4}")


def run_token(run_id: str) -> str:
    """The run id in a form every system accepts in a name (schema, key prefix, topic)."""
    return run_id.replace("-", "_")


def orphan_age_s(name: str, current: str) -> float | None:
    """Seconds since the run in ``name`` started; None when ``name`` carries no run token or
    is the current run's own."""
    match = _TOKEN.search(name)
    if match is None or match[0] == current:
        return None
    return time.time() - calendar.timegm(time.strptime(match[1] + match[2], "%Y%m%d%H%M%S"))


def record_cleanup(session: SuiteSession, created: int, left: int, swept: int,
                   unit: str, orphans: str) -> dict[str, int]:
    """The test-data metrics every suite reports; ``left`` over must be 0."""
    add, suite = session.run.add_metric, session.suite
    add(suite, "test data", f"{unit} created", created, unit)
    add(suite, "test data", f"{unit} left over", left, unit, 0)
    add(suite, "test data", f"orphan {orphans} swept", swept, orphans)
    return {"created": created, "left over": left, "orphans swept": swept}
