"""A data dir written before images had descriptions, placeholders and variants, served by this
release: its database opens, its images are served as they were, and they change as new ones."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx

from tests import images
from tests.http.support import SECRET, stored_keys, token_for
from tests.servers import IMAGECORE, serving

API = "/api/resume/user-images/"
FIXTURE = Path(__file__).parents[1] / "fixtures" / "before_details"


def test_images_stored_before_details_are_served_and_replaced(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    auth = {"Authorization": f"Bearer {token_for('legacy')}"}
    with serving(data, env={"IMAGECORE_JWT_SECRET": SECRET}) as server:
        body = httpx.get(server.base_url + API, headers=auth).json()
        profile = body["details"]["profile_image"]
        assert body["images"]["profile_image"] == profile["url"]
        assert (profile["width"], profile["height"], profile["alt"]) == (120, 120, "")
        assert profile["variants"] == [] and profile["placeholder"] is None
        assert profile["srcset"] == f"{profile['url']} 120w"
        served = images.decode(httpx.get(server.base_url + profile["url"]).content)
        assert served.size == (120, 120)
        assert served.convert("RGB").getpixel((5, 5)) == (200, 40, 40)
        cover = body["details"]["cover_image"]
        assert httpx.get(server.base_url + cover["url"]).status_code == 200

        # A new upload replaces the old image with one that has everything, old files gone.
        new = httpx.post(
            server.base_url + API,
            headers=auth,
            files={"profile_image": ("p.png", images.png((500, 500)))},
        ).json()
        assert len(new["details"]["profile_image"]["variants"]) == 4
        assert httpx.get(server.base_url + profile["url"]).status_code == 404
        on_disk = {
            str(path.relative_to(data / "media"))
            for path in (data / "media").rglob("*")
            if path.is_file()
        }
        assert on_disk == stored_keys(new, "profile_image") | {cover["url"].removeprefix("/media/")}
    check = subprocess.run(
        [str(IMAGECORE), "check"],
        env={"IMAGECORE_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_imagecore_variants_gives_old_images_their_variants_and_placeholders(
    tmp_path: Path,
) -> None:
    """After `imagecore variants`, the images stored before details have variants, each served
    at its listed size, and a placeholder; the files stay consistent with the database."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    env = {"IMAGECORE_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"}
    rebuilt = subprocess.run(
        [str(IMAGECORE), "variants"], env=env, capture_output=True, text=True, check=False
    )
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "1 users, 2 images: 2 rebuilt, 0 already current, 0 users failed" in rebuilt.stdout
    auth = {"Authorization": f"Bearer {token_for('legacy')}"}
    with serving(data, env={"IMAGECORE_JWT_SECRET": SECRET}) as server:
        details = httpx.get(server.base_url + API, headers=auth).json()["details"]
        profile = details["profile_image"]
        assert [v["width"] for v in profile["variants"]] == [48, 96]
        assert profile["placeholder"]["color"].startswith("#")
        for entry in (profile, details["cover_image"]):
            assert entry["placeholder"] is not None
            for variant in entry["variants"]:
                answer = httpx.get(server.base_url + variant["url"])
                assert answer.headers["content-type"] == variant["media_type"]
                shown = images.decode(answer.content)
                assert shown.size == (variant["width"], variant["height"])
    check = subprocess.run(
        [str(IMAGECORE), "check"], env=env, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
