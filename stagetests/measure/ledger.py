"""A ledger of acknowledged writes, checked against what is read back afterwards."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["LedgerCheck", "WriteLedger"]


@dataclass(frozen=True)
class LedgerCheck:
    """Acknowledged writes compared with the read-back."""

    acknowledged: int
    read_back: int
    lost: int  # acknowledged, never read back
    duplicated: int  # read back more than once (extra copies)
    reordered: int  # read back before an item acknowledged earlier in the same stream
    unacknowledged_seen: int  # read back although the write reported failure (not a loss)

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.reordered == 0


@dataclass
class WriteLedger:
    """Writes in acknowledgement order, per stream (a key, a partition, a table)."""

    acknowledged: dict[Hashable, list[Hashable]] = field(default_factory=dict)
    failed: set[Hashable] = field(default_factory=set)

    def acknowledge(self, item: Hashable, stream: Hashable = "") -> None:
        self.acknowledged.setdefault(stream, []).append(item)

    def fail(self, item: Hashable) -> None:
        """A write that reported an error: it may or may not have landed."""
        self.failed.add(item)

    def check(self, read_back: Iterable[tuple[Hashable, Hashable]]) -> LedgerCheck:
        """Compare with ``read_back``: (stream, item) pairs in the order the store returns."""
        seen: dict[Hashable, list[Hashable]] = {}
        for stream, item in read_back:
            seen.setdefault(stream, []).append(item)
        acknowledged = {i for items in self.acknowledged.values() for i in items}
        counts = Counter(i for items in seen.values() for i in items)
        lost = len(acknowledged - set(counts))
        duplicated = sum(n - 1 for n in counts.values() if n > 1)
        reordered = sum(_inversions(self.acknowledged.get(s, []), items)
                        for s, items in seen.items())
        surprise = len({i for i in counts if i in self.failed and i not in acknowledged})
        return LedgerCheck(len(acknowledged), sum(counts.values()), lost, duplicated,
                           reordered, surprise)


def _inversions(expected: Sequence[Hashable], actual: Sequence[Hashable]) -> int:
    """Items read back after an item that was acknowledged later (first copies only)."""
    rank = {item: index for index, item in enumerate(expected)}
    highest, inversions, met = -1, 0, set()
    for item in actual:
        if item in met or item not in rank:
            continue
        met.add(item)
        if rank[item] < highest:
            inversions += 1
        highest = max(highest, rank[item])
    return inversions
