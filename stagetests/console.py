"""Terminal output for long work: progress steps and plain-text tables."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

__all__ = ["format_table", "say", "step"]


def say(message: str) -> None:
    """One progress line on stderr, so stdout stays machine-readable."""
    print(message, file=sys.stderr, flush=True)


@contextmanager
def step(what: str) -> Iterator[None]:
    """Announce ``what``, then report how long it took or that it failed."""
    say(f"-> {what} ...")
    started = time.monotonic()
    try:
        yield
    except BaseException:
        say(f"   {what}: failed after {time.monotonic() - started:.1f}s")
        raise
    say(f"   {what}: done in {time.monotonic() - started:.1f}s")


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Left-aligned columns separated by two spaces, with a rule under the header."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]
    return "\n".join(lines)
