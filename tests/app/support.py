"""Helpers for the composition root's tests."""

from __future__ import annotations

import os
from pathlib import Path


def open_files_under(folder: Path) -> list[str]:
    """The files under ``folder`` this process holds open."""
    targets = (os.readlink(fd) for fd in Path("/proc/self/fd").iterdir() if fd.is_symlink())
    return [target for target in targets if target.startswith(str(folder))]
