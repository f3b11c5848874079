"""`imagecore serve` as a real process: the guide's flows over real HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx

from tests import images
from tests.http.support import guide_keys
from tests.servers import IMAGECORE, Server, start_server, stop_server

API = "/api/resume/user-images/"


def test_the_guide_s_flows_over_http(server: Server) -> None:
    """Load, upload both, fetch media, replace, refuse junk, delete both, load the default."""
    auth = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.base_url, headers=auth) as http:
        assert guide_keys(http.get(API).json()) == {
            "images": {"profile_image": "/media/resume/defaults/profile.png", "cover_image": None}
        }
        profile = http.post(API, files={"profile_image": ("me.jpg", images.jpeg_with_metadata())})
        assert profile.status_code == 200
        assert profile.json()["message"] == "Profile image uploaded successfully"
        cover = http.post(API, files={"cover_image": ("banner.png", images.png(size=(300, 100)))})
        assert cover.json()["message"] == "Cover image uploaded successfully"
        urls = http.get(API).json()["images"]
        assert urls == {
            "profile_image": profile.json()["profile_image"],
            "cover_image": cover.json()["cover_image"],
        }

        photo = http.get(urls["profile_image"])
        assert photo.headers["content-type"] == "image/jpeg"
        assert b"SERIAL-12345" not in photo.content
        assert (
            http.get(
                urls["profile_image"], headers={"If-None-Match": photo.headers["etag"]}
            ).status_code
            == 304
        )
        assert images.decode(http.get(urls["cover_image"]).content).size == (300, 100)

        replaced = http.post(API, files={"cover_image": ("b.png", images.png())}).json()[
            "cover_image"
        ]
        assert replaced != urls["cover_image"]
        assert http.get(urls["cover_image"]).status_code == 404

        junk = http.post(API, files={"cover_image": ("x.png", b"<html>not an image</html>")})
        assert junk.status_code == 400 and set(junk.json()) == {"error"}
        assert http.get(API).json()["images"]["cover_image"] == replaced

        for slot, label in (("profile_image", "Profile"), ("cover_image", "Cover")):
            deleted = http.delete(API, params={"type": slot})
            assert guide_keys(deleted.json()) == {"message": f"{label} image deleted successfully"}
        assert http.get(API).json()["images"]["cover_image"] is None
        default = http.get(http.get(API).json()["images"]["profile_image"])
        assert default.status_code == 200 and default.headers["content-type"] == "image/png"
        assert http.delete(API, params={"type": "cover_image"}).status_code == 404

    stored = [p for p in (server.data_dir / "media").rglob("*") if p.is_file()]
    assert stored == []  # the default image is the core's, never copied into storage


def test_the_start_up_banner_says_where_data_lives(server: Server) -> None:
    """The banner names the data dir and storage, and gives a token and a curl example."""
    banner = server.log.read_text()
    assert str(server.data_dir) in banner
    assert 'curl -H "Authorization: Bearer $TOKEN"' in banner
    assert f"{server.base_url}/api/resume/user-images/" in banner


def answer_to_headers_alone(server: Server, length: int, authorization: str | None) -> str:
    """Send a POST's headers, promising ``length`` bytes of body that never come; read the answer.

    A server that waited for the body would never answer, and the socket timeout would fail the
    test.
    """
    request = (
        f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + (f"Authorization: {authorization}\r\n" if authorization else "")
        + "Content-Type: multipart/form-data; boundary=x\r\n"
        + f"Content-Length: {length}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        answer = ""
        while not answer.endswith("}"):
            chunk = sock.recv(65536).decode(errors="replace")
            assert chunk, f"connection closed after {answer!r}"
            answer += chunk
    return answer


def test_an_oversized_body_is_refused_before_it_is_sent(server: Server) -> None:
    """A 4 GB Content-Length gets 413 at once; the server does not wait for the body."""
    answer = answer_to_headers_alone(server, 4 * 1024**3, f"Bearer {server.token}")
    assert answer.startswith("HTTP/1.1 413")
    assert '{"error":"The upload is too large' in answer
    with httpx.Client(base_url=server.base_url) as http:
        assert http.get(API, headers={"Authorization": f"Bearer {server.token}"}).status_code == 200


def test_a_request_without_a_token_is_refused_before_its_body_is_read(server: Server) -> None:
    """An unauthenticated upload gets 401 from its headers alone, within the size limit too."""
    answer = answer_to_headers_alone(server, 1024, None)
    assert answer.startswith("HTTP/1.1 401")
    assert "www-authenticate: Bearer" in answer


def test_images_survive_a_restart(tmp_path: Path) -> None:
    """A server started again on the same data dir serves every image it had, with its token."""
    process, server = start_server(tmp_path / "data")
    try:
        auth = {"Authorization": f"Bearer {server.token}"}
        files = {"profile_image": ("a.png", images.png()), "cover_image": ("b.jpg", images.jpeg())}
        before = httpx.post(server.base_url + API, headers=auth, files=files).json()
    finally:
        stop_server(process)
    process, again = start_server(tmp_path / "data")
    try:
        # The first run's token still works: the secret was kept in the data dir.
        current = httpx.get(again.base_url + API, headers=auth).json()["images"]
        assert current == {
            "profile_image": before["profile_image"],
            "cover_image": before["cover_image"],
        }
        assert httpx.get(again.base_url + current["cover_image"]).status_code == 200
        # Two uploads' worth of files, both referenced: nothing for a sweep to take.
        env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGECORE_")}
        env["IMAGECORE_DATA_DIR"] = str(tmp_path / "data")
        for args in (("gc", "--min-age", "0", "--allow-recent"), ("check",)):
            done = subprocess.run([str(IMAGECORE), *args], env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stdout + done.stderr
        assert "0 references without a file, 0 files without a reference" in done.stdout
    finally:
        stop_server(process)


def test_worker_processes_share_one_state(tmp_path: Path) -> None:
    """With --workers 2, every request sees the same images, whichever worker answers it."""
    process, server = start_server(tmp_path / "data", "--workers", "2")
    try:
        auth = {"Authorization": f"Bearer {server.token}"}
        files = {"cover_image": ("b.png", images.png())}
        url = httpx.post(server.base_url + API, headers=auth, files=files).json()["cover_image"]

        def covers_seen() -> set[str | None]:
            # A new connection per request, so that the workers take turns.
            return {
                httpx.get(server.base_url + API, headers=auth).json()["images"]["cover_image"]
                for _ in range(20)
            }

        assert covers_seen() == {url}
        deleted = httpx.delete(server.base_url + API, headers=auth, params={"type": "cover_image"})
        assert deleted.status_code == 200
        assert covers_seen() == {None}
        assert "2 workers" in server.log.read_text()
    finally:
        stop_server(process)


def test_each_request_is_logged_once_with_its_user_and_without_secrets(server: Server) -> None:
    """One line per request: method, path, status, duration and user; no token, no query."""
    token = server.token
    with httpx.Client(base_url=server.base_url) as http:
        http.get(API, headers={"Authorization": f"Bearer {token}"}, params={"token": "leak"})
        http.get("/no/such/page")
    deadline = time.monotonic() + 5
    while "GET /no/such/page 404" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.log.read_text()
    assert re.search(r"imagecore\.access: GET /api/resume/user-images 200 [\d.]+ms user=demo", log)
    assert re.search(r"imagecore\.access: GET /no/such/page 404 [\d.]+ms user=-", log)
    assert token not in log.split("export TOKEN=")[1].split("\n", 1)[1].replace(
        f"#token={token}", ""
    )
    assert "leak" not in log
    assert log.count("GET /no/such/page") == 1
