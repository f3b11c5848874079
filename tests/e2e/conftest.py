from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import Server, serving


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A real `imagecore serve` process on a free port, with its own data dir."""
    with serving(tmp_path / "data") as server:
        yield server
