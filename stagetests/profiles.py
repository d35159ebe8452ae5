"""Build ``Settings`` from layers: overrides > ``STAGETESTS_*`` env > profile YAML > defaults.

A profile is ``profiles/<name>.yaml`` (or a path to a YAML file). It may name another profile
in ``inherit:``; sections are merged key by key, the inheriting profile winning. A secret field
(``password``) may be given as ``password_file: <path>`` in YAML, or as
``STAGETESTS_<SECTION>_PASSWORD`` / ``STAGETESTS_<SECTION>_PASSWORD_FILE`` in the environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from stagetests.errors import ConfigError
from stagetests.settings import Settings
from stagetests.settings_fields import coerce, section_types

__all__ = ["DEFAULT_PROFILE", "load_settings", "profiles_dir"]

DEFAULT_PROFILE = "local"
ENV_PREFIX = "STAGETESTS_"
TOP_LEVEL = ("allow_destructive",)

Layer = dict[str, dict[str, Any]]


def profiles_dir() -> Path:
    """The folder of named profiles: ``$STAGETESTS_PROFILES_DIR`` or the project's own."""
    configured = os.environ.get(f"{ENV_PREFIX}PROFILES_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "profiles"


def load_settings(
    profile: str | None = None,
    overrides: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve a profile into frozen ``Settings``.

    Args:
        profile: a profile name or a YAML path; default ``$STAGETESTS_PROFILE`` or ``local``.
        overrides: ``{"section.field": value}`` (or ``{"allow_destructive": value}``), strongest.
        environ: the environment to read, ``os.environ`` when omitted.

    Raises:
        ConfigError: an unknown profile, key or section, a bad value, an inheritance cycle.
    """
    env = os.environ if environ is None else environ
    name = profile or env.get(f"{ENV_PREFIX}PROFILE") or DEFAULT_PROFILE
    merged = _read_profile(name, seen=())
    _merge(merged, _env_layer(env))
    _merge(merged, _override_layer(overrides or {}))
    settings = _build(Path(name).stem if _is_path(name) else name, merged)
    # What resolves the same Settings from another working directory (a notebook kernel).
    source = str(Path(name).resolve()) if _is_path(name) else name
    return dataclasses.replace(settings, profile_source=source)


def _is_path(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or os.sep in name


def _read_profile(name: str, seen: tuple[str, ...]) -> Layer:
    if name in seen:
        raise ConfigError(f"profile inheritance cycle: {' -> '.join((*seen, name))}")
    path = Path(name) if _is_path(name) else profiles_dir() / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in profiles_dir().glob("*.yaml"))
        raise ConfigError(f"profile {name!r} not found at {path} (known: {', '.join(known)})")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"profile {name!r} is not valid YAML: {exc}".splitlines()[0]) from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"profile {name!r} must be a mapping of sections")
    parent = raw.pop("inherit", None)
    layer: Layer = _read_profile(str(parent), (*seen, name)) if parent else {}
    top = {key: raw.pop(key) for key in TOP_LEVEL if key in raw}
    raw.pop("description", None)
    for section, values in raw.items():
        if not isinstance(values, dict):
            raise ConfigError(f"profile {name!r}: section {section!r} must be a mapping")
    _merge(layer, {"": top, **raw})
    return layer


def _env_layer(env: Mapping[str, str]) -> Layer:
    layer: Layer = {"": {}}
    for key in TOP_LEVEL:
        if f"{ENV_PREFIX}{key.upper()}" in env:
            layer[""][key] = env[f"{ENV_PREFIX}{key.upper()}"]
    for section, types in section_types().items():
        for field_name in types:
            var = f"{ENV_PREFIX}{section.upper()}_{field_name.upper()}"
            if var in env:
                layer.setdefault(section, {})[field_name] = env[var]
            if f"{var}_FILE" in env:
                layer.setdefault(section, {})[f"{field_name}_file"] = env[f"{var}_FILE"]
    return layer


def _override_layer(overrides: Mapping[str, object]) -> Layer:
    layer: Layer = {"": {}}
    for dotted, value in overrides.items():
        section, _, field_name = dotted.rpartition(".")
        layer.setdefault(section, {})[field_name] = value
    return layer


def _merge(into: Layer, layer: Layer) -> None:
    for section, values in layer.items():
        target = into.setdefault(section, {})
        for key, value in values.items():
            # A later layer's value must beat an earlier layer's file, and vice versa.
            target.pop(f"{key}_file", None)
            target.pop(key.removesuffix("_file"), None)
            target[key] = value


def _build(name: str, merged: Layer) -> Settings:
    types = section_types()
    top = dict(merged.pop("", {}))
    unknown_top = set(top) - set(TOP_LEVEL)
    if unknown_top:
        raise ConfigError(f"unknown setting {sorted(unknown_top)[0]!r}")
    parts: dict[str, Any] = {}
    for section, values in merged.items():
        if section not in types:
            raise ConfigError(f"unknown settings section {section!r} (known: {', '.join(types)})")
        fields = types[section]
        kwargs = {}
        for key, value in values.items():
            field_name, from_file = (key[:-5], True) if key.endswith("_file") else (key, False)
            if field_name not in fields:
                raise ConfigError(f"unknown setting '{section}.{key}'")
            kwargs[field_name] = coerce(f"{section}.{field_name}", fields[field_name], value,
                                        from_file=from_file)
        default_part = getattr(Settings(), section)
        parts[section] = dataclasses.replace(default_part, **kwargs)
    allow = coerce("allow_destructive", bool, top.get("allow_destructive", False))
    return Settings(profile=name, allow_destructive=allow, **parts)
