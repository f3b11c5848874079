"""A server killed with SIGKILL in the middle of uploads loses nothing it acknowledged."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import httpx

from imagecore.adapters.http import TokenPolicy, issue_token
from tests import images
from tests.servers import IMAGECORE, start_server, stop_server

API = "/api/resume/user-images/"
USERS = [f"user{n}" for n in range(6)]


def imagecore(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGECORE_")}
    env["IMAGECORE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [str(IMAGECORE), *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_sigkill_during_concurrent_uploads(tmp_path: Path) -> None:
    """After a restart every user's images are served, none acknowledged is lost, and once the
    sweep has run the database and the files agree exactly."""
    data_dir = tmp_path / "data"
    process, server = start_server(data_dir)
    secret = (data_dir / "jwt-secret").read_text().strip()
    tokens = {user: issue_token(user, TokenPolicy.shared_secret(secret), ttl=600) for user in USERS}
    acknowledged: dict[str, list[dict[str, str]]] = {user: [] for user in USERS}
    stop = threading.Event()

    def keep_uploading(user: str) -> None:
        picture = images.jpeg(size=(900, 700))
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            for n in range(10_000):
                if stop.is_set():
                    return
                fields = ["profile_image", "cover_image", "both"][n % 3]
                slots = ["profile_image", "cover_image"] if fields == "both" else [fields]
                try:
                    response = http.post(
                        API,
                        headers={"Authorization": f"Bearer {tokens[user]}"},
                        files={slot: ("p.jpg", picture) for slot in slots},
                    )
                except httpx.TransportError:
                    return  # the server is gone
                if response.status_code == 200:
                    acknowledged[user].append(response.json())

    threads = [threading.Thread(target=keep_uploading, args=(user,)) for user in USERS]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while sum(map(len, acknowledged.values())) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()  # SIGKILL: no shutdown, no clean-up
    process.wait()
    stop.set()
    for thread in threads:
        thread.join(30)
    assert sum(map(len, acknowledged.values())) >= 30

    process, server = start_server(data_dir)
    try:
        with httpx.Client(base_url=server.base_url) as http:
            for user in USERS:
                shown = http.get(API, headers={"Authorization": f"Bearer {tokens[user]}"}).json()
                for slot in ("profile_image", "cover_image"):
                    url = shown["images"][slot]
                    if url is None or url.endswith("defaults/profile.png"):
                        assert not any(slot in ack for ack in acknowledged[user])
                        continue
                    assert images.decode(http.get(url).content).format == "JPEG"
                    # An acknowledged upload is never undone by a crash: the slot shows the
                    # last acknowledged image, or one whose answer the crash swallowed.
                    sent = [ack[slot] for ack in acknowledged[user] if slot in ack]
                    assert url not in sent[:-1]
        before = imagecore(data_dir, "check")
        assert "0 references without a file" in before.stdout, before.stdout
        swept = imagecore(data_dir, "gc", "--min-age", "0", "--allow-recent")
        assert swept.returncode == 0, swept.stderr
        after = imagecore(data_dir, "check")
        assert after.returncode == 0, after.stdout
    finally:
        stop_server(process)
