"""Focal points over HTTP: sent with an upload as <slot>_focus, given back in details as focus
and object_position; suggested by the server where none is sent; a bad one refused, naming its
field, with nothing stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar.testing import TestClient
from PIL import Image

from tests import images

API = "/api/resume/user-images/"


def banner() -> bytes:
    """A grey banner with a red subject at (0.8, 0.4)."""
    picture = Image.new("RGB", (900, 300), (128, 128, 128))
    picture.paste((220, 30, 30), (690, 90, 750, 150))
    return images.encode(picture, "PNG")


def test_a_focus_sent_with_the_upload_comes_back_in_details(
    client: TestClient,  # type: ignore[type-arg]
    auth: dict[str, str],
) -> None:
    answer = client.post(
        API,
        files={"cover_image": ("b.png", banner())},
        data={"cover_image_focus": "0.8,0.4"},
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    detail = answer.json()["details"]["cover_image"]
    assert detail["focus"] == {"x": 0.8, "y": 0.4, "suggested": False}
    assert detail["object_position"] == "80% 40%"
    assert client.get(API, headers=auth).json()["details"]["cover_image"] == detail


def test_without_one_the_server_suggests_the_subject(
    client: TestClient,  # type: ignore[type-arg]
    auth: dict[str, str],
) -> None:
    answer = client.post(API, files={"cover_image": ("b.png", banner())}, headers=auth)
    focus = answer.json()["details"]["cover_image"]["focus"]
    assert focus["suggested"] is True
    assert focus["x"] == pytest.approx(0.8, abs=0.08)
    assert answer.json()["details"]["profile_image"]["focus"] is None  # the default picture


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"cover_image_focus": "0.8"}, "not two numbers"),
        ({"cover_image_focus": "1.5,0.2"}, "outside the picture"),
        ({"cover_image_focus": "x" * 100}, "not two numbers"),
        ({"profile_image_focus": "0.5,0.5"}, "sent without its image"),
    ],
)
def test_a_bad_focus_is_refused_naming_its_field_and_nothing_is_stored(
    client: TestClient,  # type: ignore[type-arg]
    auth: dict[str, str],
    media_files: Callable[[], set[str]],
    fields: dict[str, str],
    problem: str,
) -> None:
    answer = client.post(API, files={"cover_image": ("b.png", banner())}, data=fields, headers=auth)
    assert answer.status_code == 400
    field = next(iter(fields))
    assert answer.json()["error"].startswith(f"{field} must be x,y")
    assert problem in answer.json()["error"]
    assert media_files() == set()


def test_patch_sets_the_current_image_s_focus(
    client: TestClient,  # type: ignore[type-arg]
    auth: dict[str, str],
) -> None:
    client.post(API, files={"cover_image": ("b.png", banner())}, headers=auth)
    answer = client.patch(API, json={"cover_image_focus": "0.25,0.75"}, headers=auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["message"] == "Cover image focus updated successfully"
    detail = answer.json()["details"]["cover_image"]
    assert detail["focus"] == {"x": 0.25, "y": 0.75, "suggested": False}
    assert detail["object_position"] == "25% 75%"
    both = client.patch(
        API, json={"cover_image_alt": "A red square", "cover_image_focus": "0.5,0.5"}, headers=auth
    )
    assert both.json()["message"] == "Cover image description updated successfully"
    assert both.json()["details"]["cover_image"]["alt"] == "A red square"
    refused = client.patch(API, json={"cover_image_focus": "2,2"}, headers=auth)
    assert refused.status_code == 400 and "cover_image_focus" in refused.json()["error"]
    empty = client.patch(API, json={"profile_image_focus": "0.5,0.5"}, headers=auth)
    assert empty.status_code == 404
    assert client.get(API, headers=auth).json()["details"]["cover_image"]["object_position"] == (
        "50% 50%"
    )
