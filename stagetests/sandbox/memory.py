"""Memory of sandbox servers as PSS: shared pages split fairly, unlike RSS.

PostgreSQL's backends share ``shared_buffers``; summing their RSS would count it once per
process, which is why ``research/spike-ha.md`` reports PSS and so do we.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from stagetests.sandbox.processes import process_tree

__all__ = ["tree_pss_mib"]


def _pss_kib(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_pss_mib(roots: Iterable[int]) -> float:
    """PSS of ``roots`` and all their descendants, in MiB."""
    return round(sum(_pss_kib(pid) for pid in process_tree(roots)) / 1024, 1)
