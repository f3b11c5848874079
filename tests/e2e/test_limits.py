"""Rate limits on a real server: shared by its worker processes, keyed on trusted proxies only."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests import images
from tests.servers import start_server, stop_server
from tests.windows import HOUR, within_rate_windows

API = "/api/resume/user-images/"


def test_workers_share_the_rate_counts(tmp_path: Path) -> None:
    """With two workers, the sixth upload of a 5-per-hour user is refused whichever answers."""
    env = {"IMAGECORE_UPLOAD_RATE_PER_USER": "5/hour"}
    within_rate_windows(needed=120, windows=(HOUR,))
    process, server = start_server(tmp_path / "data", "--workers", "2", env=env)
    try:
        auth = {"Authorization": f"Bearer {server.token}"}
        statuses = []
        for _ in range(8):
            # A new connection each time, so that the workers take turns.
            files = {"cover_image": ("c.png", images.png())}
            statuses.append(
                httpx.post(server.base_url + API, headers=auth, files=files).status_code
            )
        assert statuses == [200] * 5 + [429] * 3
    finally:
        stop_server(process)


def test_behind_a_trusted_proxy_each_client_has_its_own_count(tmp_path: Path) -> None:
    """X-Forwarded-For from a trusted proxy keys the per-address limit on the real client."""
    env = {
        "IMAGECORE_UPLOAD_RATE_PER_ADDRESS": "2/hour",
        "IMAGECORE_RATE_GRACE_PER_USER": "0",
        "IMAGECORE_TRUSTED_PROXIES": "127.0.0.1",
    }
    within_rate_windows(needed=120, windows=(HOUR,))
    process, server = start_server(tmp_path / "data", env=env)
    try:
        auth = {"Authorization": f"Bearer {server.token}"}

        def post(client: str) -> int:
            files = {"cover_image": ("c.png", images.png())}
            headers = {**auth, "X-Forwarded-For": client}
            return httpx.post(server.base_url + API, headers=headers, files=files).status_code

        assert [post("203.0.113.1") for _ in range(3)] == [200, 200, 429]
        assert post("203.0.113.2") == 200
    finally:
        stop_server(process)
