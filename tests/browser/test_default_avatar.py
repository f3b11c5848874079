"""A default avatar of one's own, as Chromium shows it on the page: drawn, readable, and the
same on every load."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from imagecore.adapters.http import TokenPolicy, issue_token
from imagecore.app.tokens import stored_secret
from imagecore.avatars import PALETTE
from tests.servers import serving

GENERATED = re.compile(r"/media/resume/defaults/generated/initials-\d\d-414c\.svg$")


def test_the_page_shows_the_user_s_initials_drawn(
    page: Page, tmp_path: Path, audit: Callable[[], list[str]], artifacts: Path
) -> None:
    with serving(tmp_path / "data", env={"IMAGECORE_DEFAULT_PROFILE": "initials"}) as server:
        policy = TokenPolicy.shared_secret(stored_secret(server.data_dir))
        token = issue_token("42", policy, ttl=600, name="Ada Lovelace")
        for width, height in ((390, 844), (1280, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{server.base_url}/?w={width}#token={token}")
            avatar = page.get_by_alt_text("Profile image (default)")
            expect(avatar).to_have_attribute("src", GENERATED)
            page.wait_for_function("document.getElementById('profile-img').complete")
            # srcset's 256w shown in a 96 or 132 pixel portrait: drawn at that width.
            assert page.evaluate("document.getElementById('profile-img').naturalWidth") > 0
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
