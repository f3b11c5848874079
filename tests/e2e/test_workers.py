"""Several worker processes: each one logs, and each one closes what it opened."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx

from tests.servers import start_server, stop_server


def test_every_worker_writes_access_lines(tmp_path: Path) -> None:
    """With --workers 2, requests answered by either worker leave an access line with its pid."""
    process, server = start_server(tmp_path / "data", "--workers", "2")
    try:
        pids: set[str] = set()
        deadline = time.monotonic() + 30
        for _ in range(400):
            # A new connection each time, so that both workers get some.
            assert httpx.get(server.base_url + "/health").status_code == 200
            log = server.log.read_text()
            pids = set(re.findall(r"\[(\d+)\] INFO imagecore\.access: GET /health 200", log))
            if len(pids) == 2 or time.monotonic() > deadline:
                break
        assert len(pids) == 2, log
        assert str(process.pid) not in pids  # the supervisor only watches its workers
    finally:
        stop_server(process)
