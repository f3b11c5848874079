"""What only a real socket can send: bodies shorter or longer than they said, and a client that
walks away in the middle of an upload."""

from __future__ import annotations

import socket
import time

import httpx

from tests import images
from tests.servers import Server

API = "/api/resume/user-images/"


def request_head(server: Server, length: int, boundary: str = "b0und") -> bytes:
    return (
        f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {server.token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def form(data: bytes) -> bytes:
    return (
        b'--b0und\r\nContent-Disposition: form-data; name="cover_image"; filename="c.png"\r\n\r\n'
        + data
        + b"\r\n--b0und--\r\n"
    )


def media_files(server: Server) -> set[str]:
    root = server.data_dir / "media" / "resume"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - {
        "defaults/profile.png"
    }


def still_answers(server: Server) -> None:
    auth = {"Authorization": f"Bearer {server.token}"}
    assert httpx.get(server.base_url + API, headers=auth).json()["images"]["cover_image"] is None


def test_a_client_that_disconnects_mid_upload_leaves_nothing(server: Server) -> None:
    """Half a body, then a closed socket: no file, no reference, no server error in the log."""
    body = form(images.png(size=(400, 300)))
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(request_head(server, len(body)) + body[: len(body) // 2])
        time.sleep(0.3)
    time.sleep(0.5)
    assert media_files(server) == set()
    still_answers(server)
    log = server.log.read_text()
    assert "Internal server error" not in log and "Traceback" not in log
    assert " 500 " not in log


def test_a_body_longer_than_its_content_length_is_cut_there(server: Server) -> None:
    """Content-Length smaller than the body: the form is read only that far, and refused."""
    body = form(images.png())
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request_head(server, len(body) // 2) + body)
        answer = sock.recv(65536).decode(errors="replace")
    assert answer.startswith("HTTP/1.1 400"), answer[:200]
    assert media_files(server) == set()
    still_answers(server)
