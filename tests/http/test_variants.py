"""Variants over the API as deployed: served like their image, gone with it, known to gc."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient
from PIL import Image

from imagecore import ImageSlots
from imagecore.housekeeping import Housekeeping
from tests import images
from tests.http.support import API, stored_keys

Files = Callable[[], set[str]]


def upload(client: TestClient, auth: dict[str, str], slot: str, data: bytes) -> Any:  # type: ignore[type-arg]
    response = client.post(API, headers=auth, files={slot: ("picture", data)})
    assert response.status_code == 200, response.text
    return response.json()


def test_every_variant_url_answers_its_image(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    photo = images.encode(Image.effect_noise((1600, 1200), 40).convert("RGB"), "JPEG")
    detail = upload(client, auth, "cover_image", photo)["details"]["cover_image"]
    assert [v["width"] for v in detail["variants"]] == [640, 1280]
    for variant in detail["variants"]:
        served = client.get(variant["url"])
        assert served.status_code == 200
        assert served.headers["content-type"] == variant["media_type"] == "image/webp"
        assert "immutable" in served.headers["cache-control"]
        assert served.headers["x-content-type-options"] == "nosniff"
        assert images.decode(served.content).size == (variant["width"], variant["height"])
    srcset = [entry.rsplit(" ", 1) for entry in detail["srcset"].split(", ")]
    assert srcset == [
        [detail["variants"][0]["url"], "640w"],
        [detail["variants"][1]["url"], "1280w"],
        [detail["url"], "1600w"],
    ]


def test_a_delete_leaves_storage_as_it_was(
    client: TestClient,
    auth: dict[str, str],
    media_files: Files,  # type: ignore[type-arg]
) -> None:
    before = media_files()
    answer = upload(client, auth, "profile_image", images.png((500, 500)))
    assert len(stored_keys(answer, "profile_image")) == 5  # the image and four variants
    assert media_files() == before | stored_keys(answer, "profile_image")
    assert client.delete(API + "?type=profile_image", headers=auth).status_code == 200
    assert media_files() == before


def test_a_replace_leaves_only_the_new_image_s_files(
    client: TestClient,
    auth: dict[str, str],
    media_files: Files,  # type: ignore[type-arg]
) -> None:
    upload(client, auth, "profile_image", images.png((500, 500), (200, 0, 0)))
    second = upload(client, auth, "profile_image", images.png((500, 500), (0, 0, 200)))
    assert media_files() == stored_keys(second, "profile_image")


def test_an_animation_s_still_is_served(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    frames = [Image.new("RGB", (120, 120), colour) for colour in ((0, 200, 0), (0, 0, 200))]
    gif = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    detail = upload(client, auth, "profile_image", gif)["details"]["profile_image"]
    assert detail["static_url"] is not None
    still = images.decode(client.get(detail["static_url"]).content)
    assert getattr(still, "n_frames", 1) == 1 and still.size == (120, 120)


def test_gc_and_check_know_every_variant(
    client: TestClient,
    auth: dict[str, str],
    service: ImageSlots,  # type: ignore[type-arg]
) -> None:
    frames = [Image.new("RGB", (300, 300), colour) for colour in ((0, 200, 0), (0, 0, 200))]
    upload(client, auth, "profile_image", images.png((900, 900)))
    upload(
        client,
        auth,
        "cover_image",
        images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
    )
    assert Housekeeping(service).audit().consistent
    assert Housekeeping(service).sweep(min_age=0).removed == 0
    assert Housekeeping(service).audit().consistent
