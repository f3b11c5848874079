"""Scale-out and races on real servers, ending with storage holding exactly what is referenced."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import httpx

from tests import images
from tests.http.support import stored_keys
from tests.servers import IMAGECORE, start_server, stop_server
from tests.services import S3

API = "/api/resume/user-images/"


def imagecore(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("IMAGECORE_")} | env
    return subprocess.run([str(IMAGECORE), *args], env=environ, capture_output=True, text=True)


def test_two_servers_share_postgresql_and_s3(tmp_path: Path, postgres_url: str, s3: S3) -> None:
    """An upload through one server is listed, served and deleted through the other."""
    shared = {
        **s3.environ,
        "IMAGECORE_DATABASE_URL": postgres_url,
        "IMAGECORE_STORAGE_URL": s3.url("media"),
        "IMAGECORE_JWT_SECRET": "a-secret-both-servers-share-0123456789",
    }
    one_process, one = start_server(tmp_path / "one", env=shared)
    two_process, two = start_server(tmp_path / "two", env=shared)
    try:
        auth = {"Authorization": f"Bearer {one.token}"}  # the same secret: valid on both
        files = {"profile_image": ("me.png", images.png()), "cover_image": ("c.jpg", images.jpeg())}
        sent = httpx.post(one.base_url + API, headers=auth, files=files).json()
        listed = httpx.get(two.base_url + API, headers=auth).json()["images"]
        assert listed == {
            "profile_image": sent["profile_image"],
            "cover_image": sent["cover_image"],
        }
        served = httpx.get(two.base_url + sent["cover_image"])
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        for slot in ("profile_image", "cover_image"):
            assert (
                httpx.delete(two.base_url + API, headers=auth, params={"type": slot}).status_code
                == 200
            )
        assert httpx.get(one.base_url + API, headers=auth).json()["images"]["cover_image"] is None
        assert httpx.get(one.base_url + sent["cover_image"]).status_code == 404
        check = imagecore({**shared, "IMAGECORE_DATA_DIR": str(tmp_path / "one")}, "check")
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        stop_server(one_process)
        stop_server(two_process)


def test_twenty_concurrent_replaces_of_one_slot_leave_one_image(tmp_path: Path) -> None:
    """Twenty uploads to the same slot at once: all answered, one image shown and stored."""
    data = tmp_path / "data"
    process, server = start_server(data, "--workers", "2")
    try:
        auth = {"Authorization": f"Bearer {server.token}"}
        start = threading.Barrier(20)
        answers: list[int] = []

        def replace(n: int) -> None:
            files = {"profile_image": ("p.png", images.png(color=(n * 12, 0, 0)))}
            start.wait()
            answers.append(
                httpx.post(server.base_url + API, headers=auth, files=files, timeout=60).status_code
            )

        threads = [threading.Thread(target=replace, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # 409: another writer kept winning; 503: more uploads at once than a server queues
        # (16 per worker), answered at once with Retry-After. Neither changes anything.
        assert set(answers) <= {200, 409, 503} and answers.count(200) >= 1
        current = httpx.get(server.base_url + API, headers=auth).json()
        shown = current["images"]["profile_image"]
        assert httpx.get(server.base_url + shown).status_code == 200
        env = {"IMAGECORE_DATA_DIR": str(data)}
        swept = imagecore(env, "gc", "--min-age", "0", "--allow-recent")
        assert swept.returncode == 0, swept.stderr
        check = imagecore(env, "check")
        assert check.returncode == 0, check.stdout
        stored = [p for p in (data / "media" / "resume" / "images").iterdir()]
        # The shown image's files, and no one else's: every loser's were removed.
        assert {f"resume/images/{p.name}" for p in stored} == stored_keys(current, "profile_image")
    finally:
        stop_server(process)
