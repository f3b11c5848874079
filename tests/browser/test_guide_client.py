"""The API guide's own JavaScript client, unchanged, in headless Chromium against each host's
real server: the standalone service, the FastAPI example and the Django example."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests import images
from tests.embedding.example_hosts import ExampleHost, django_example, fastapi_example
from tests.servers import serving

CLIENT = Path(__file__).parents[2] / "src/adapters/http/static/user-images-service.js"

BLANK = '<!doctype html><html lang="en"><title>a host</title><link rel="icon" href="data:,">'

#: The guide's flows through its client: load, upload each, load, fetch a file, delete each.
SCENARIO = """
async ({token, png, jpeg}) => {
  const file = (b64, name, type) =>
    new File([Uint8Array.from(atob(b64), c => c.charCodeAt(0))], name, {type});
  const service = new UserImagesService(token);
  const seen = [];
  seen.push(await service.getCurrentImages());
  seen.push(await service.uploadProfileImage(file(png, 'me.png', 'image/png')));
  seen.push(await service.uploadCoverImage(file(jpeg, 'hill.jpg', 'image/jpeg')));
  const current = await service.getCurrentImages();
  seen.push(current);
  const shown = await fetch(current.images.profile_image);
  seen.push({status: shown.status, type: shown.headers.get('content-type')});
  seen.push(await service.deleteProfileImage());
  seen.push(await service.deleteCoverImage());
  seen.push(await service.getCurrentImages());
  return seen;
}
"""


def _standalone(root: Path) -> Iterator[ExampleHost]:
    with serving(root) as server:
        yield ExampleHost(server.base_url, server.token)


HOSTS: dict[str, Callable[[Path], AbstractContextManager[ExampleHost]]] = {
    "standalone": contextlib.contextmanager(_standalone),
    "fastapi": fastapi_example,
    "django": django_example,
}


@pytest.mark.parametrize("host", HOSTS)
def test_the_guide_s_client_works_unchanged(page: Page, tmp_path: Path, host: str) -> None:
    with HOSTS[host](tmp_path / "host") as served:
        # A blank page of the host's origin (the client calls /api/resume/ on it), made here:
        # no host serves one of its own.
        blank = served.base_url + "/blank-page-of-the-test"
        page.route(blank, lambda route: route.fulfill(body=BLANK, content_type="text/html"))
        page.goto(blank)
        page.add_script_tag(content=CLIENT.read_text())
        seen = page.evaluate(
            SCENARIO,
            {
                "token": served.token,
                "png": base64.b64encode(images.png((300, 200))).decode(),
                "jpeg": base64.b64encode(images.jpeg((900, 400))).decode(),
            },
        )
    before, profile, cover, current, shown, *deleted, after = seen
    assert before["images"]["profile_image"].endswith("/resume/defaults/profile.png")
    assert before["images"]["cover_image"] is None
    assert profile["message"] == "Profile image uploaded successfully"
    assert cover["message"] == "Cover image uploaded successfully"
    assert current["images"] == {
        "profile_image": profile["profile_image"],
        "cover_image": cover["cover_image"],
    }
    assert shown == {"status": 200, "type": "image/png"}
    assert [d["message"] for d in deleted] == [
        "Profile image deleted successfully",
        "Cover image deleted successfully",
    ]
    assert after["images"]["profile_image"] == before["images"]["profile_image"]
    assert after["images"]["cover_image"] is None
    assert page.problems == []  # type: ignore[attr-defined]
