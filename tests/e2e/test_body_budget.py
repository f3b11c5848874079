"""Bodies still arriving hold at most the body budget: the security review's sixty slow uploads.

Sixty connections, from fifteen loopback addresses, each send 23.9 MB of a 24 MB upload and
pause. Without a budget the server held every byte (1.5 GB, and 2.5 GB after the clients left);
with it, bodies past 160 MB are answered 503 at once, the server's memory stays under 400 MB,
and what they held is given back when they leave.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import images
from tests.servers import Server, serving

UPLOAD = 24 * 2**20
SENT = UPLOAD - 100 * 1024
ADDRESSES = [f"127.0.0.{n}" for n in range(2, 17)]
PER_ADDRESS = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("bodies") / "data") as running:
        yield running


def rss(pid: int) -> int:
    """The process's resident memory, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class SlowUpload(threading.Thread):
    """A connection that sends most of an upload, then pauses until told to leave."""

    def __init__(self, server: Server, source: str, leave: threading.Event) -> None:
        super().__init__(daemon=True)
        self.server, self.source, self.leave = server, source, leave
        self.answer = b""
        self.sent = 0
        self.paused = threading.Event()

    def run(self) -> None:
        head = b'--b\r\nContent-Disposition: form-data; name="profile_image"; filename="a"\r\n\r\n'
        with socket.create_connection(
            ("127.0.0.1", self.server.port), timeout=30, source_address=(self.source, 0)
        ) as client:
            client.sendall(
                b"POST /api/resume/user-images/ HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer " + self.server.token.encode() + b"\r\n"
                b"Content-Type: multipart/form-data; boundary=b\r\n"
                b"Content-Length: %d\r\n\r\n" % UPLOAD + head
            )
            chunk = bytes(range(256)) * 1024
            with contextlib.suppress(OSError):
                while self.sent < SENT:
                    client.sendall(chunk[: min(len(chunk), SENT - self.sent)])
                    self.sent += min(len(chunk), SENT - self.sent)
            self.paused.set()
            client.settimeout(0.2)
            while not self.leave.is_set():
                with contextlib.suppress(TimeoutError, OSError):
                    if not (got := client.recv(65536)):
                        break
                    self.answer += got
        self.paused.set()


def wave(server: Server) -> tuple[int, list[SlowUpload], list[SlowUpload]]:
    """Sixty slow uploads, held until every one has sent what it will, then gone: the server's
    peak memory meanwhile, those whose bodies were held and those refused."""
    leave = threading.Event()
    uploads = [SlowUpload(server, a, leave) for a in ADDRESSES for _ in range(PER_ADDRESS)]
    for upload in uploads:
        upload.start()
    peak = 0
    deadline = time.monotonic() + 120
    while not all(u.paused.is_set() for u in uploads):
        peak = max(peak, rss(server.pid))
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for _ in range(20):  # a second more, everything sent: the server holds what it holds
        peak = max(peak, rss(server.pid))
        time.sleep(0.05)
    refused = [u for u in uploads if u.answer.startswith(b"HTTP/1.1 503 ")]
    held = [u for u in uploads if not u.answer]
    leave.set()
    for upload in uploads:
        upload.join(30)
    assert len(refused) + len(held) == len(uploads), {u.answer[-120:] for u in uploads}
    return peak, held, refused


def test_sixty_slow_uploads_hold_at_most_the_budget(server: Server) -> None:
    """Two waves, as the review sent them: each keeps the server under 400 MB, what the first
    held is given back when its clients leave (the second is let in as far as the first), and
    memory returns to where it was."""
    before = rss(server.pid)
    for n in (1, 2):
        peak, held, refused = wave(server)
        time.sleep(2)
        after = rss(server.pid)
        print(
            f"wave {n}: server memory {before / 2**20:.0f} MB before, peak {peak / 2**20:.0f} "
            f"MB, {after / 2**20:.0f} MB after; {len(held)} bodies held, {len(refused)} refused"
        )
        assert 1 <= len(held) <= 160 * 2**20 // SENT
        body = json.loads(refused[0].answer.partition(b"\r\n\r\n")[2])
        assert "receiving too many uploads" in body["error"]
        assert b"retry-after: 5" in refused[0].answer.lower()
        assert peak < 400 * 2**20
        assert after < before + 32 * 2**20  # 149 MB after the second wave, unmapped late
    answer = httpx.post(
        server.base_url + "/api/resume/user-images/",
        headers={"Authorization": f"Bearer {server.token}"},
        files={"profile_image": ("a.png", images.png())},
    )
    assert answer.status_code == 200, answer.text


def test_a_description_patch_is_refused_at_its_first_byte_too_many(server: Server) -> None:
    """A PATCH declaring 20 MB: refused once 32 KB have come, without waiting for the rest
    (which was read whole, up to the upload limit, before its size was checked)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(
            b"PATCH /api/resume/user-images/ HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + server.token.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 20000000\r\n\r\n"
            + b'{"profile_image_alt": "'
            + b"a" * 64 * 1024
        )
        reply = b""
        while not reply.endswith(b"}"):
            reply += client.recv(65536)
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:200]
    assert b"too large for descriptions" in reply
