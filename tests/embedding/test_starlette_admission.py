"""Upload admission in a Starlette app over a real uvicorn: a client that leaves cancels its
upload's decode, as in the standalone service."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from imagecore.testing.guide_bodies import form
from tests.embedding import hosts


def test_a_client_that_leaves_cancels_its_decode(tmp_path: Path) -> None:
    root = tmp_path / "host"
    factory = "tests.embedding.hosts:starlette_app_decoding_until_cancelled"
    with hosts.uvicorn_serving(factory, root) as base_url:
        _, auth = hosts.users("eve")
        headers, body = form(("profile_image", "p.png", b"IMG:pixels"))
        request = (
            f"POST /api/resume/user-images/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: {auth['Authorization']}\r\n"
            f"Content-Type: {headers['Content-Type']}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        port = int(base_url.rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(request)
            _wait_for(root / "decoding")
            assert not (root / "cancelled").exists()
        _wait_for(root / "cancelled")  # once the client is gone, well before the decode's 30 s


def _wait_for(marker: Path, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        assert time.monotonic() < deadline, f"{marker.name} did not come"
        time.sleep(0.05)
