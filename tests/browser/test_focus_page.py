"""The banner keeps its subject in view at a phone's and a desktop's width: shown cropped
(object-fit: cover) at the focus its details give, in Chromium, checked by pixels; centred
instead, the subject is cut off."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from tests import images
from tests.servers import Server

API = "/api/resume/user-images/"


def tall_photo_with_a_subject_low_down() -> bytes:
    """A 1200 x 1200 grey picture, a red subject centred at (0.5, 0.88): a 3:1 banner cropped
    around the centre shows rows 0.33 to 0.67 only."""
    picture = Image.new("RGB", (1200, 1200), (120, 130, 140))
    picture.paste((220, 30, 30), (540, 1000, 660, 1110))
    return images.encode(picture, "PNG")


def red_share(png: bytes) -> float:
    shot = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(shot.get_flattened_data())
    red = sum(1 for r, g, b in pixels if r > 180 and g < 90 and b < 90)
    return red / len(pixels)


def test_the_banner_shows_its_focus_at_390_and_1280_pixels(
    page: Page, server: Server, audit: Callable[[], list[str]], artifacts: Path
) -> None:
    answer = httpx.post(
        server.base_url + API,
        files={"cover_image": ("photo.png", tall_photo_with_a_subject_low_down())},
        data={"cover_image_focus": "0.5,0.88"},
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["details"]["cover_image"]["object_position"] == "50% 88%"
    page.goto(f"{server.base_url}/#token={server.token}")
    cover = page.get_by_alt_text("Cover image", exact=True)
    expect(cover).to_have_attribute("style", "object-position: 50% 88%;")
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function(
            "document.getElementById('cover-img').complete"
            " && document.getElementById('cover-img').naturalWidth > 0"
        )
        focused = red_share(page.locator("#cover").screenshot())
        page.screenshot(path=artifacts / f"focus-{width}.png", full_page=True)
        assert audit() == []
        # The same banner centred, as without a focus: the subject is out of the frame.
        page.evaluate("document.getElementById('cover-img').style.objectPosition = '50% 50%'")
        centred = red_share(page.locator("#cover").screenshot())
        page.evaluate("document.getElementById('cover-img').style.objectPosition = '50% 88%'")
        assert focused > 0.02, (width, focused)
        assert centred == 0, (width, centred)
    assert page.problems == []  # type: ignore[attr-defined]
