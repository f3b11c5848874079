"""Every example of the API guide, through the app as deployed, with exact shapes and messages."""

from __future__ import annotations

import re

import attrs
import pytest
from litestar.testing import TestClient

from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import Wiring
from tests import images
from tests.http.support import API, guide_keys, stored_keys, uploaded_files

PROFILE_URL = re.compile(r"/media/resume/images/profile_123_[0-9a-f]{16}\.(png|jpg)")
COVER_URL = re.compile(r"/media/resume/covers/cover_123_[0-9a-f]{16}\.(png|jpg)")
BOTH_FORMS = pytest.mark.parametrize("path", [API, API.rstrip("/")])


def upload(client: TestClient, auth: dict[str, str], path: str = API, **files: bytes):  # type: ignore[no-untyped-def]
    parts = {
        field: (f"{field}.img", data, "application/octet-stream") for field, data in files.items()
    }
    return client.post(path, headers=auth, files=parts)


@BOTH_FORMS
def test_get_current_images_of_a_new_user(
    client: TestClient, auth: dict[str, str], path: str
) -> None:
    """GET answers the default profile image and a null cover for a user with no uploads."""
    response = client.get(path, headers=auth)
    assert response.status_code == 200
    assert guide_keys(response.json()) == {
        "images": {"profile_image": "/media/resume/defaults/profile.png", "cover_image": None}
    }


@BOTH_FORMS
@pytest.mark.parametrize(
    ("slot", "label", "url", "other", "other_shows"),
    [
        ("profile_image", "Profile", PROFILE_URL, "cover_image", None),
        ("cover_image", "Cover", COVER_URL, "profile_image", "/media/resume/defaults/profile.png"),
    ],
)
def test_upload_one_image(
    client: TestClient,
    auth: dict[str, str],
    path: str,
    slot: str,
    label: str,
    url: re.Pattern[str],
    other: str,
    other_shows: str | None,
) -> None:
    """POST with one field answers 200 with the guide's message and the new URL only."""
    response = upload(client, auth, path, **{slot: images.jpeg()})
    assert response.status_code == 200
    body = response.json()
    assert set(guide_keys(body)) == {"message", slot}
    assert body["message"] == f"{label} image uploaded successfully"
    assert url.fullmatch(body[slot])
    current = client.get(API, headers=auth).json()["images"]
    assert current == {slot: body[slot], other: other_shows}


def test_upload_both_images_in_one_request(client: TestClient, auth: dict[str, str]) -> None:
    """Both fields at once replace both images; the message names both."""
    response = upload(client, auth, profile_image=images.jpeg(), cover_image=images.png())
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Profile image and cover image uploaded successfully"
    assert PROFILE_URL.fullmatch(body["profile_image"])
    assert COVER_URL.fullmatch(body["cover_image"])
    assert client.get(API, headers=auth).json()["images"] == {
        "profile_image": body["profile_image"],
        "cover_image": body["cover_image"],
    }


@BOTH_FORMS
@pytest.mark.parametrize(
    ("slot", "label"), [("profile_image", "Profile"), ("cover_image", "Cover")]
)
def test_delete_image(
    client: TestClient, auth: dict[str, str], media: FsspecStorage, path: str, slot: str, label: str
) -> None:
    """DELETE ?type=... answers the guide's message; the slot falls back and the file is gone."""
    uploaded = upload(client, auth, **{slot: images.png()}).json()
    assert uploaded_files(media) == stored_keys(uploaded, slot)
    response = client.delete(f"{path}?type={slot}", headers=auth)
    assert response.status_code == 200
    assert guide_keys(response.json()) == {"message": f"{label} image deleted successfully"}
    assert uploaded_files(media) == set()
    expected = "/media/resume/defaults/profile.png" if slot == "profile_image" else None
    assert client.get(API, headers=auth).json()["images"][slot] == expected


def test_replacing_serves_the_new_image_and_removes_the_old(
    client: TestClient, auth: dict[str, str], media: FsspecStorage
) -> None:
    """A second upload gets a new URL; the old URL is gone and only the new file is stored."""
    first = upload(client, auth, profile_image=images.png(color=(255, 0, 0))).json()[
        "profile_image"
    ]
    answer = upload(client, auth, profile_image=images.png(color=(0, 0, 255))).json()
    second = answer["profile_image"]
    assert first != second
    assert client.get(first).status_code == 404
    assert images.decode(client.get(second).content).convert("RGB").getpixel((0, 0)) == (0, 0, 255)
    assert uploaded_files(media) == stored_keys(answer, "profile_image")


def test_the_guide_s_javascript_flow(client: TestClient, auth: dict[str, str]) -> None:
    """The UserImagesService sequence: load, upload both, load, delete both, load."""
    assert client.get(API, headers=auth).json()["images"]["cover_image"] is None
    profile = upload(client, auth, profile_image=images.jpeg()).json()["profile_image"]
    cover = upload(client, auth, cover_image=images.jpeg()).json()["cover_image"]
    assert guide_keys(client.get(API, headers=auth).json()) == {
        "images": {"profile_image": profile, "cover_image": cover}
    }
    assert client.get(profile).headers["content-type"] == "image/jpeg"
    for slot in ("profile_image", "cover_image"):
        assert client.delete(f"{API}?type={slot}", headers=auth).status_code == 200
    assert guide_keys(client.get(API, headers=auth).json()) == {
        "images": {"profile_image": "/media/resume/defaults/profile.png", "cover_image": None}
    }


def test_urls_point_at_a_cdn_when_configured(
    settings: Settings, wiring: Wiring, auth: dict[str, str]
) -> None:
    """With IMAGECORE_MEDIA_URL set to a CDN and IMAGECORE_DEFAULTS_URL unset, every URL the API
    answers starts with the CDN's, the default image's too: the CDN must then serve the defaults
    (the storage behind it does not hold them)."""
    cdn = attrs.evolve(settings, media_url="https://cdn.example.com/media/")
    with TestClient(build_app(cdn, wiring=wiring)) as client:
        assert client.get(API, headers=auth).json()["images"]["profile_image"] == (
            "https://cdn.example.com/media/resume/defaults/profile.png"
        )
        url = upload(client, auth, cover_image=images.png()).json()["cover_image"]
        assert url.startswith("https://cdn.example.com/media/resume/covers/cover_123_")


def test_default_images_can_stay_with_the_app_behind_a_cdn(
    settings: Settings, wiring: Wiring, auth: dict[str, str]
) -> None:
    """With IMAGECORE_DEFAULTS_URL=/media/ beside a CDN's IMAGECORE_MEDIA_URL, uploads are at
    the CDN and the default image is at this app, which serves it."""
    cdn = attrs.evolve(settings, media_url="https://cdn.example.com/media/", defaults_url="/media/")
    with TestClient(build_app(cdn, wiring=wiring)) as client:
        upload(client, auth, cover_image=images.png())
        shown = client.get(API, headers=auth).json()["images"]
        assert shown["profile_image"] == "/media/resume/defaults/profile.png"
        assert shown["cover_image"].startswith("https://cdn.example.com/media/resume/covers/")
        served = client.get(shown["profile_image"])
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"
