"""Each runnable example of docs/embedding.md runs, and does what the guide says."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
from litestar.testing import TestClient

from examples import mount_in_litestar, wsgi_app
from imagecore.adapters.http import TokenPolicy, issue_token
from tests import images

ROOT = Path(__file__).parents[2]


def test_the_plain_script_runs_the_use_cases() -> None:
    """examples/plain_script.py uploads, refuses an SVG, deletes, and says so."""
    out = subprocess.run(
        [sys.executable, "examples/plain_script.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "profile: resume/images/profile_" in out and "800x600 image/jpeg" in out
    assert "refused: SVG is not an accepted format (JPEG, PNG, GIF, WebP, AVIF, HEIC are)" in out
    assert "after delete, profile shows: DefaultImage(key='resume/defaults/profile.png')" in out
    assert "the default image is" in out and "bytes of PNG" in out
    assert "files left: ['resume/covers/cover_" in out


class Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def wsgi_server(tmp_path: Path) -> Iterator[str]:
    """examples/wsgi_app.py served by the standard library's WSGI server on a free port."""
    server = make_server("127.0.0.1", 0, wsgi_app.build(tmp_path), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_wsgi_app_uses_the_core_with_its_own_auth(wsgi_server: str) -> None:
    """The host's API keys pick the user; its own statuses map the core's errors."""
    with httpx.Client(base_url=wsgi_server) as http:
        ada = {"X-Api-Key": "key-of-ada"}
        assert http.get("/me/images").status_code == 401
        shown = http.post("/me/images", headers=ada, files={"cover_image": ("c.png", images.png())})
        assert shown.status_code == 200
        assert shown.json()["cover_image"].startswith("resume/covers/cover_")
        assert shown.json()["profile_image"] == "resume/defaults/profile.png"
        bob = http.get("/me/images", headers={"X-Api-Key": "key-of-bob"}).json()
        assert bob["cover_image"] is None
        refused = http.post("/me/images", headers=ada, files={"cover_image": ("x.png", b"text")})
        assert refused.status_code == 422
        assert refused.json()["detail"].startswith("not an image")
        deleted = http.delete("/me/images?slot=cover_image", headers=ada)
        assert deleted.json()["cover_image"] is None
        assert http.delete("/me/images?slot=cover_image", headers=ada).status_code == 404


def test_the_api_mounted_in_a_host_litestar_app() -> None:
    """The host keeps its routes; the guide's calls work under /images, with prefixed media, the
    default image served and the limits the service really has."""
    secret = "s" * 40
    auth = {
        "Authorization": f"Bearer {issue_token('7', TokenPolicy.shared_secret(secret), ttl=60)}"
    }
    with TestClient(mount_in_litestar.build_host(secret)) as client:
        assert client.get("/").json() == {"app": "the host's own route"}
        api = "/images/api/resume/user-images/"
        assert client.get(api).status_code == 401
        default = client.get(api, headers=auth).json()["images"]["profile_image"]
        assert default == "/images/media/resume/defaults/profile.png"
        shown = client.get(default)
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
        assert images.decode(shown.content).format == "PNG"
        limits = client.get(api + "limits/", headers=auth).json()
        assert limits["max_upload_bytes"] == 4 * 1024 * 1024
        assert limits["max_pixels"] == 40_000_000
        profile_box = limits["boxes"]["profile_image"]
        assert (profile_box["width"], profile_box["height"], profile_box["mode"]) == (
            800,
            800,
            "fit",
        )
        assert limits["formats"] == ["JPEG", "PNG", "GIF", "WebP", "AVIF", "HEIC"]
        url = client.post(api, headers=auth, files={"cover_image": ("c.png", images.png())}).json()[
            "cover_image"
        ]
        assert url.startswith("/images/media/resume/covers/cover_7_")
        assert client.get(url).headers["content-type"] == "image/png"
        deleted = client.delete(api + "?type=cover_image", headers=auth)
        assert deleted.json() == {"message": "Cover image deleted successfully"}
