"""Fixtures of the composition root's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir of the test's own, and no other IMAGECORE_* variable in the environment (the
    command's tests use it for every test)."""
    for name in list(os.environ):
        if name.startswith("IMAGECORE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(tmp_path))
    return tmp_path
