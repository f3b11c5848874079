"""A default avatar of one's own, as Chromium shows it on the page: drawn, readable, and the
same on every load."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import Page, expect

from imagecore.adapters.http import TokenPolicy, issue_token
from imagecore.app.tokens import stored_secret
from imagecore.avatars import PALETTE
from tests.fonts import FONT, painter_or_skip
from tests.servers import serving

API = "/api/resume/user-images/"
GENERATED = re.compile(r"/media/resume/defaults/generated/initials-\d\d-414c\.svg$")


def test_the_page_shows_the_user_s_initials_drawn(
    page: Page, tmp_path: Path, audit: Callable[[], list[str]], artifacts: Path
) -> None:
    with serving(tmp_path / "data", env={"IMAGECORE_DEFAULT_PROFILE": "initials"}) as server:
        policy = TokenPolicy.shared_secret(stored_secret(server.data_dir))
        token = issue_token("42", policy, ttl=600, name="Ada Lövelace")
        for width, height in ((390, 844), (1280, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{server.base_url}/?w={width}#token={token}")
            avatar = page.get_by_alt_text("Profile image (default)")
            expect(avatar).to_have_attribute("src", GENERATED)
            # The token's name, as UTF-8 (the initials are "AL": ö is not a word's first).
            expect(page.locator("#signed-in")).to_have_text("Signed in as Ada Lövelace")
            page.wait_for_function("document.getElementById('profile-img').complete")
            # A 96 or 132 pixel portrait: srcset's WebP of the next width up, or the SVG.
            assert page.evaluate("document.getElementById('profile-img').naturalWidth") > 0
            chosen = page.evaluate("document.getElementById('profile-img').currentSrc")
            assert re.search(r"(_w96_\w{8}\.webp|_w192_\w{8}\.webp|\.svg)$", chosen), chosen
            # Drawn: near the top of the circle, a colour of the palette; across its middle,
            # the letters' white.
            shot = Image.open(io.BytesIO(avatar.screenshot())).convert("RGB")
            top = shot.getpixel((shot.width // 2, shot.height // 8))
            assert "#{:02x}{:02x}{:02x}".format(*top) in PALETTE
            row = [shot.getpixel((x, shot.height // 2)) for x in range(shot.width)]
            assert any(min(pixel) > 230 for pixel in row)
            page.screenshot(path=artifacts / f"avatar-{width}.png", full_page=True)
            assert audit() == []
        first = avatar.get_attribute("src")
        page.reload()
        expect(avatar).to_have_attribute("src", first or "")
    assert page.problems == []  # type: ignore[attr-defined]


SIDE_BY_SIDE = """<!doctype html><body style="margin:0;background:#fff">
<img id="svg" src="{svg}" width="192" height="192" alt="SVG">
<img id="webp" src="{webp}" width="192" height="192" alt="WebP"></body>"""


@pytest.mark.parametrize(
    ("user", "name"),
    [
        ("42", "Ada Lovelace"),
        ("43", "Жанна Ωmega"),
        ("44", "علي كريم"),  # two Arabic letters, joined, right to left
        ("45", "דוד בן"),  # two Hebrew letters, right to left
        ("7", None),
    ],
)
def test_the_webp_shows_what_chromium_draws_of_the_svg(
    page: Page, tmp_path: Path, user: str, name: str | None, artifacts: Path
) -> None:
    """The server's WebP at 192 and Chromium's drawing of the SVG at 192, side by side: the
    same colour to the pixel, the letters or cells in the same place (a pixel or two, as two
    rasterisers' edges differ), little difference over all."""
    env = {"IMAGECORE_DEFAULT_PROFILE": "initials", "IMAGECORE_AVATAR_FONTS": FONT}
    painter_or_skip()
    with serving(tmp_path / "data", env=env) as server:
        policy = TokenPolicy.shared_secret(stored_secret(server.data_dir))
        token = issue_token(user, policy, ttl=600, name=name)
        auth = {"Authorization": f"Bearer {token}"}
        detail = httpx.get(f"{server.base_url}{API}", headers=auth).json()["details"]
        profile = detail["profile_image"]
        (webp,) = [v["url"] for v in profile["variants"] if v["width"] == 192]
        # A page of the server's origin (its media are same-origin resources), made up here.
        html = SIDE_BY_SIDE.format(svg=profile["url"], webp=webp)
        page.route(f"{server.base_url}/side-by-side", lambda route: route.fulfill(body=html))
        page.goto(f"{server.base_url}/side-by-side")
        page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth)")
        drawn = {
            kind: Image.open(io.BytesIO(page.locator(f"#{kind}").screenshot())).convert("RGB")
            for kind in ("svg", "webp")
        }
        page.screenshot(path=artifacts / f"avatar-webp-vs-svg-{user}.png")
    svg, ours = drawn["svg"], drawn["webp"]
    assert svg.size == ours.size == (192, 192)
    assert svg.getpixel((3, 3)) == ours.getpixel((3, 3))
    assert "#{:02x}{:02x}{:02x}".format(*ours.getpixel((3, 3))) == profile["placeholder"]["color"]
    boxes = [white(picture) for picture in (svg, ours)]
    assert all(abs(a - b) <= 2 for a, b in zip(*boxes, strict=True)), boxes
    difference = ImageStat.Stat(ImageChops.difference(svg, ours).convert("L")).mean[0]
    # Seen: 0.3 to 1.3. Two Hebrew letters in the wrong order differ by 3.3, Arabic ones
    # unjoined by 13.6.
    assert difference < 2.5, difference


def white(picture: Image.Image) -> tuple[int, int, int, int]:
    box = Image.eval(picture.convert("L"), lambda v: 255 if v > 160 else 0).getbbox()
    assert box is not None
    return box
