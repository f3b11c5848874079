"""A crop sent with an upload, over the API as deployed: applied to its own slot only; a bad one
is a 400 naming its field, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from tests import images
from tests.http.support import API
from tests.images import QUADRANT_COLOURS, quadrants

Files = Callable[[], set[str]]
PICTURE = images.encode(quadrants((400, 400)), "PNG")


def post(client: TestClient, auth: dict[str, str], files: dict[str, bytes], **fields: str) -> Any:  # type: ignore[type-arg]
    parts = {name: (f"{name}.png", data) for name, data in files.items()}
    return client.post(API, headers=auth, files=parts, data=fields)


def colours(client: TestClient, url: str) -> tuple[tuple[int, int], ...]:  # type: ignore[type-arg]
    """The lowest and highest of each channel of the picture served at ``url``."""
    shown = images.decode(client.get(url).content).convert("RGB")
    return shown.getextrema()  # type: ignore[return-value]


def plain(extrema: tuple[tuple[int, int], ...], colour: tuple[int, int, int]) -> bool:
    return all(
        abs(low - want) <= 3 and abs(high - want) <= 3
        for (low, high), want in zip(extrema, colour, strict=True)
    )


def test_each_slot_is_cropped_by_its_own_field(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    answer = post(
        client,
        auth,
        {"profile_image": PICTURE, "cover_image": PICTURE},
        profile_image_crop="200,200,200,200",
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    profile, cover = body["details"]["profile_image"], body["details"]["cover_image"]
    assert (profile["width"], profile["height"]) == (200, 200)
    assert plain(colours(client, body["profile_image"]), QUADRANT_COLOURS[3])
    # The cover had no crop: the whole picture, all four colours.
    assert (cover["width"], cover["height"]) == (400, 400)
    assert not plain(colours(client, body["cover_image"]), QUADRANT_COLOURS[3])
    answer = post(client, auth, {"cover_image": PICTURE}, cover_image_crop=" 0, 200, 200, 200 ")
    assert plain(colours(client, answer.json()["cover_image"]), QUADRANT_COLOURS[2])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"profile_image_crop": "10,10,100"},
            "'profile_image_crop' must be x,y,width,height in whole pixels, like 0,0,800,800.",
        ),
        (
            {"profile_image_crop": "1.5,0,10,10"},
            "'profile_image_crop' must be x,y,width,height in whole pixels, like 0,0,800,800.",
        ),
        ({"profile_image_crop": "-1,0,10,10"}, "'profile_image_crop' must not be negative."),
        (
            {"profile_image_crop": "0,0,0,10"},
            "'profile_image_crop' is empty: its width and height must be at least 1 pixel.",
        ),
        (
            {"profile_image_crop": "300,0,200,200"},
            "'profile_image_crop' reaches outside the picture, which is 400x400 pixels as shown "
            "(its orientation applied).",
        ),
        (
            {"cover_image_crop": "0,0,10,10"},
            "'cover_image_crop' was sent without a 'cover_image' file.",
        ),
    ],
    ids=["three numbers", "a fraction", "negative", "empty", "outside", "without its file"],
)
def test_a_bad_crop_is_a_400_naming_its_field_and_changes_nothing(
    client: TestClient,
    auth: dict[str, str],
    media_files: Files,
    fields: dict[str, str],
    message: str,  # type: ignore[type-arg]
) -> None:
    first = post(client, auth, {"profile_image": images.png((300, 300))}).json()
    before = media_files()
    answer = post(client, auth, {"profile_image": PICTURE}, **fields)
    assert answer.status_code == 400
    assert answer.json() == {"error": message}
    assert media_files() == before
    now = client.get(API, headers=auth).json()
    assert now["images"]["profile_image"] == first["profile_image"]
    assert client.get(first["profile_image"]).status_code == 200
