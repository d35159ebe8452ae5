"""Turning YAML values and environment strings into typed ``Settings`` fields."""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any

from stagetests.errors import ConfigError
from stagetests.settings import Endpoint, Secret, Settings

__all__ = ["coerce", "parse_endpoint", "section_types"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def section_types() -> dict[str, dict[str, Any]]:
    """``{section: {field: type}}`` for every per-service part of ``Settings``."""
    sections: dict[str, dict[str, Any]] = {}
    for top in dataclasses.fields(Settings):
        part = typing.get_type_hints(Settings)[top.name]
        if dataclasses.is_dataclass(part):
            sections[top.name] = typing.get_type_hints(part)
    return sections


def parse_endpoint(name: str, text: str) -> Endpoint:
    """``host:port`` (or ``[v6]:port``) into an ``Endpoint``."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{name}: {text!r} is not host:port")
    return Endpoint(host.strip("[]"), int(port))


def coerce(name: str, kind: Any, value: object, *, from_file: bool = False) -> Any:
    """Convert ``value`` to ``kind`` or raise a ``ConfigError`` naming the setting.

    With ``from_file`` the value is a path whose stripped contents are the value.
    """
    if from_file:
        path = Path(str(value)).expanduser()
        try:
            value = path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}: cannot read {path}: {exc.strerror}") from exc
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else ()
    if options:
        empty = value is None or (isinstance(value, str) and value.lower() in {"", "none", "null"})
        if empty and type(None) in options:
            return None
        kind = next(option for option in options if option is not type(None))
    if value is None:
        raise ConfigError(f"{name}: a value is required")
    return _convert(name, kind, value)


def _convert(name: str, kind: Any, value: object) -> Any:
    if kind is Endpoint:
        return value if isinstance(value, Endpoint) else parse_endpoint(name, str(value))
    if typing.get_origin(kind) is tuple:
        items = [i for i in value.split(",") if i.strip()] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ConfigError(f"{name}: expected a list, got {value!r}")
        return tuple(_convert(name, typing.get_args(kind)[0], item) for item in items)
    if kind is Secret:
        return value if isinstance(value, Secret) else Secret(str(value))
    if kind is bool:
        return _to_bool(name, value)
    if kind is Path:
        return Path(str(value)).expanduser()
    if kind in (int, float):
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: {value!r} is not a number") from None
        if number < 0:
            raise ConfigError(f"{name}: {value!r} must not be negative")
        return number
    if kind is str:
        return str(value)
    raise TypeError(f"no conversion for {name} of type {kind!r}")


def _to_bool(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name}: {value!r} is not a boolean (use true or false)")
