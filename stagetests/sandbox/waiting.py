"""One reusable wait: poll a condition until it holds, tolerating transient errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Self, TypeVar

from stagetests.errors import InfrastructureError, NotReadyError, ServiceError

__all__ = ["WaitStrategy"]

T = TypeVar("T")


@dataclass(frozen=True)
class WaitStrategy:
    """Poll until a check returns a truthy value, or raise ``NotReadyError``.

    Exceptions of a ``transient`` type count as "not yet" and are remembered; the timeout
    error names the service and the last such error, or the last falsy answer's reason.
    Any other exception propagates at once: waiting would not fix it.
    """

    service: str
    timeout_s: float = 60.0
    interval_s: float = 0.2
    transient: tuple[type[BaseException], ...] = (InfrastructureError, OSError)

    @classmethod
    def on_servers(cls, service: str, timeout_s: float, interval_s: float = 0.2) -> Self:
        """A wait on servers that may still be coming up: an error answer (a read-only
        node, a fenced broker) is "not yet", like a refused connection."""
        return cls(service, timeout_s, interval_s, (InfrastructureError, ServiceError, OSError))

    def with_timeout(self, seconds: float) -> Self:
        return replace(self, timeout_s=seconds)

    def with_interval(self, seconds: float) -> Self:
        return replace(self, interval_s=seconds)

    def until(self, check: Callable[[], T], what: str = "ready") -> T:
        """Return ``check()``'s first truthy result.

        ``check`` may return a falsy value, or a ``str`` starting with ``"not "`` as a
        reason to keep waiting that will appear in the timeout message.
        """
        deadline = time.monotonic() + self.timeout_s
        last = "no answer yet"
        while True:
            try:
                result = check()
            except self.transient as exc:
                last = f"{type(exc).__name__}: {exc}".strip()
            else:
                if result and not (isinstance(result, str) and result.startswith("not ")):
                    return result
                last = result if isinstance(result, str) and result else f"{what} check said no"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NotReadyError(
                    f"{self.service} not {what} after {self.timeout_s:g}s; last: {last}"
                )
            time.sleep(min(self.interval_s, remaining))
