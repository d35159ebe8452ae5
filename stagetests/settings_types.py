"""The value types settings are made of: endpoints and secrets."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MASK", "Endpoint", "Secret", "local_endpoints"]

MASK = "****"


@dataclass(frozen=True, order=True)
class Endpoint:
    """A ``host:port`` a client connects to."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def local_endpoints(*ports: int) -> tuple[Endpoint, ...]:
    return tuple(Endpoint("127.0.0.1", port) for port in ports)


class Secret:
    """A password or token: never shown by ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The clear text, for handing to a client library and nothing else."""
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with every occurrence of this secret replaced by the mask."""
        return text.replace(self._value, MASK) if self._value else text

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
