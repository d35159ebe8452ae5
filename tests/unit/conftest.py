"""Unit tests run without the network and without any STAGETESTS_* variable of the caller."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("STAGETESTS_"):
            monkeypatch.delenv(name)
