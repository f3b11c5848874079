"""The banner keeps its subject in view at a phone's and a desktop's width: shown cropped
(object-fit: cover) at the focus its details give, in Chromium, checked by pixels; centred
instead, the subject is cut off. The crop dialog sets the focus by pointer and by keyboard."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from imagecore.adapters.http import TokenPolicy, issue_token
from imagecore.app.tokens import stored_secret
from tests import images
from tests.servers import Server, serving

API = "/api/resume/user-images/"


def tall_photo_with_a_subject_low_down() -> bytes:
    """A 1200 x 1200 grey picture, a bright green subject centred at (0.5, 0.88): a 3:1 banner
    cropped around the centre shows rows 0.33 to 0.67 only."""
    picture = Image.new("RGB", (1200, 1200), (120, 130, 140))
    picture.paste((40, 230, 40), (540, 1000, 660, 1110))
    return images.encode(picture, "PNG")


def subject_share(png: bytes) -> float:
    """How much of a screenshot is the subject's green (which no avatar colour comes near: the
    avatar overlaps the banner)."""
    shot = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(shot.get_flattened_data())
    green = sum(1 for r, g, b in pixels if g > 200 and r < 90 and b < 90)
    return green / len(pixels)


def test_the_banner_shows_its_focus_at_390_and_1280_pixels(
    page: Page, tmp_path: Path, audit: Callable[[], list[str]], artifacts: Path
) -> None:
    """With a generated default avatar beside it, as a new user's page shows them both."""
    env = {"IMAGECORE_DEFAULT_PROFILE": "initials", "IMAGECORE_AVATAR_SECRET": "s" * 32}
    with serving(tmp_path / "data", env=env) as server:
        policy = TokenPolicy.shared_secret(stored_secret(server.data_dir))
        token = issue_token("42", policy, ttl=600, name="Ada Lovelace")
        answer = httpx.post(
            server.base_url + API,
            files={"cover_image": ("photo.png", tall_photo_with_a_subject_low_down())},
            data={"cover_image_focus": "0.5,0.88"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["details"]["cover_image"]["object_position"] == "50% 88%"
        page.goto(f"{server.base_url}/#token={token}")
        cover = page.get_by_alt_text("Cover image", exact=True)
        expect(cover).to_have_attribute("style", "object-position: 50% 88%;")
        expect(page.get_by_alt_text("Profile image (default)")).to_have_attribute(
            "src", re.compile(r"/generated/initials-\d\d-414c\.svg$")
        )
        for width, height in ((390, 844), (1280, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_function(
                "[...document.querySelectorAll('#cover-img, #profile-img')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            focused = subject_share(page.locator("#cover").screenshot())
            page.screenshot(path=artifacts / f"focus-{width}.png", full_page=True)
            assert audit() == []
            # The same banner centred, as without a focus: the subject is out of the frame.
            page.evaluate("document.getElementById('cover-img').style.objectPosition = '50% 50%'")
            centred = subject_share(page.locator("#cover").screenshot())
            page.evaluate("document.getElementById('cover-img').style.objectPosition = '50% 88%'")
            assert focused > 0.02, (width, focused)
            assert centred == 0, (width, centred)
    assert page.problems == []  # type: ignore[attr-defined]


def wide_picture() -> dict[str, object]:
    picture = Image.new("RGB", (1200, 600), (90, 120, 160))
    picture.paste((240, 200, 40), (900, 120, 1020, 240))
    return {"name": "wide.png", "mimeType": "image/png", "buffer": images.encode(picture, "PNG")}


def cover_focus(page: Page, server: Server) -> dict[str, object]:
    answer = page.request.get(
        server.base_url + API, headers={"Authorization": f"Bearer {server.token}"}
    )
    focus: dict[str, object] = answer.json()["details"]["cover_image"]["focus"]
    return focus


def test_the_crop_dialog_keeps_a_marked_point_in_view_by_pointer_and_by_keyboard(
    page: Page, server: Server, audit: Callable[[], list[str]]
) -> None:
    page.goto(f"{server.base_url}/#token={server.token}")
    expect(page.get_by_role("status")).to_have_text("")
    dialog = page.get_by_role("dialog", name="Frame the cover image")

    # By pointer: mark the yellow square, at 80 % across and 30 % down.
    page.get_by_label("Choose a cover image").set_input_files(wide_picture())
    expect(dialog).to_be_visible()
    dialog.get_by_label("Keep this part in view").check()
    frame = dialog.get_by_role("application", name="The picture in its frame")
    box = frame.bounding_box()
    assert box is not None
    frame.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.3})
    expect(page.locator("#crop-marker")).to_be_visible()
    assert audit() == []
    dialog.get_by_role("button", name="Use this").click()
    expect(page.get_by_role("status")).to_have_text("Cover image uploaded successfully")
    focus = cover_focus(page, server)
    assert focus["suggested"] is False
    assert abs(float(focus["x"]) - 0.8) < 0.02 and abs(float(focus["y"]) - 0.3) < 0.02  # type: ignore[arg-type]

    # By keyboard: the mark starts in the middle; five steps right move it 50 frame pixels.
    page.get_by_label("Choose a cover image").set_input_files(wide_picture())
    expect(dialog).to_be_visible()
    keep = dialog.get_by_label("Keep this part in view")
    keep.focus()
    page.keyboard.press("Space")
    expect(keep).to_be_checked()
    frame.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    width = page.evaluate("document.getElementById('crop-frame').getBoundingClientRect().width")
    dialog.get_by_role("button", name="Use this").click()
    expect(page.get_by_role("status")).to_have_text("Cover image uploaded successfully")
    focus = cover_focus(page, server)
    assert abs(float(focus["x"]) - (0.5 + 50 / width)) < 0.02  # type: ignore[arg-type]
    assert abs(float(focus["y"]) - 0.5) < 0.02  # type: ignore[arg-type]
    assert page.problems == []  # type: ignore[attr-defined]
