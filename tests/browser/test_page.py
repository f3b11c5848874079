"""The page, in Debian's headless Chromium, against a real `imagecore serve`."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests import images
from tests.servers import Server

DEFAULT = re.compile(r"/media/resume/defaults/profile\.png$")
PROFILE = re.compile(r"/media/resume/images/profile_[0-9a-f]{16}\.png$")
COVER = re.compile(r"/media/resume/covers/cover_[0-9a-f]{16}\.png$")


def png(color: tuple[int, int, int], size: tuple[int, int] = (600, 400)) -> dict[str, object]:
    return {"name": "picture.png", "mimeType": "image/png", "buffer": images.png(size, color)}


def use_as_framed(page: Page) -> None:
    """Confirms the crop dialog the chosen file opened, as it first frames the picture."""
    dialog = page.get_by_role("dialog", name=re.compile("^Frame the"))
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Use this").click()
    expect(dialog).to_be_hidden()


def open_page(page: Page, server: Server) -> None:
    page.goto(f"{server.base_url}/#token={server.token}")
    expect(page.get_by_alt_text("Profile image (default)")).to_have_attribute("src", DEFAULT)


def test_upload_replace_refuse_and_delete_both_images(
    page: Page, server: Server, artifacts: Path
) -> None:
    """The whole flow as a person does it, at phone and desktop widths, without a script error."""
    open_page(page, server)
    assert "token" not in page.url  # taken out of the address bar
    expect(page.get_by_alt_text(re.compile("^Cover image"))).to_have_count(0)
    expect(page.get_by_text("No cover image yet")).to_be_visible()
    expect(page.get_by_role("button", name="Delete profile image")).to_be_disabled()

    page.locator('input[type=file][name="profile_image"]').set_input_files(png((200, 40, 40)))
    use_as_framed(page)
    expect(page.get_by_role("status")).to_have_text("Profile image uploaded successfully")
    profile = page.get_by_alt_text("Profile image", exact=True)
    expect(profile).to_have_attribute("src", PROFILE)
    page.get_by_label("Choose a cover image").set_input_files(png((40, 90, 200), (1500, 500)))
    use_as_framed(page)
    expect(page.get_by_role("status")).to_have_text("Cover image uploaded successfully")
    expect(page.get_by_alt_text("Cover image", exact=True)).to_have_attribute("src", COVER)
    expect(page.get_by_text("No cover image yet")).to_be_hidden()

    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=artifacts / f"page-{width}.png", full_page=True)
        # Nothing wider than the window: no sideways scrolling on a phone or a desktop.
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    first = profile.get_attribute("src")
    page.get_by_label("Choose a profile image").set_input_files(png((40, 160, 40)))
    use_as_framed(page)
    expect(profile).not_to_have_attribute("src", first or "")
    expect(profile).to_have_attribute("src", PROFILE)
    replaced = profile.get_attribute("src")

    page.get_by_label("Choose a profile image").set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"just some text"}
    )
    expect(page.get_by_role("alert")).to_have_text(
        "The file is not an image. Accepted types: JPEG, PNG, GIF, WebP, AVIF, HEIC."
    )
    expect(profile).to_have_attribute("src", replaced or "")  # the old image is still shown

    page.get_by_role("button", name="Delete profile image").click()
    expect(page.get_by_alt_text("Profile image (default)")).to_have_attribute("src", DEFAULT)
    page.get_by_role("button", name="Delete cover image").click()
    expect(page.get_by_alt_text(re.compile("^Cover image"))).to_have_count(0)
    expect(page.locator("#errors")).to_be_empty()  # a success clears the last error

    page.reload()  # the server's state, with the token kept for this tab
    expect(page.get_by_alt_text("Profile image (default)")).to_have_attribute("src", DEFAULT)
    expect(page.get_by_alt_text(re.compile("^Cover image"))).to_have_count(0)
    assert page.problems == []  # type: ignore[attr-defined]


def test_an_image_dropped_on_the_banner_becomes_the_cover(page: Page, server: Server) -> None:
    """Drag and drop: a file dropped on the banner is uploaded as the cover image."""
    open_page(page, server)
    encoded = base64.b64encode(images.png((900, 300), (10, 120, 90))).decode()
    transfer = page.evaluate_handle(
        """(data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
            return transfer;
        }""",
        encoded,
    )
    page.locator("#cover").dispatch_event("dragover", {"dataTransfer": transfer})
    page.locator("#cover").dispatch_event("drop", {"dataTransfer": transfer})
    use_as_framed(page)
    expect(page.get_by_alt_text("Cover image", exact=True)).to_have_attribute("src", COVER)
    assert page.problems == []  # type: ignore[attr-defined]


def test_the_page_works_from_the_keyboard(page: Page, server: Server) -> None:
    """Tab reaches the delete button, and Enter deletes."""
    open_page(page, server)
    page.get_by_label("Choose a cover image").set_input_files(png((90, 90, 160)))
    use_as_framed(page)
    expect(page.get_by_alt_text("Cover image", exact=True)).to_have_attribute("src", COVER)
    delete = page.get_by_role("button", name="Delete cover image")
    for _ in range(20):
        if delete.evaluate("button => button === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(delete).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_alt_text(re.compile("^Cover image"))).to_have_count(0)


def test_a_token_can_be_pasted_and_an_expired_one_is_explained(page: Page, server: Server) -> None:
    """Without a token in the URL, the page asks for one; the server's 401 message is shown."""
    page.goto(server.base_url + "/")
    field = page.get_by_label("Access token")
    expect(field).to_be_visible()
    field.fill(expired_token(server))
    page.get_by_role("button", name="Use token").click()
    expect(page.get_by_role("alert")).to_have_text("The token has expired; sign in again.")
    field.fill(server.token)
    page.get_by_role("button", name="Use token").click()
    expect(page.get_by_alt_text("Profile image (default)")).to_be_visible()
    expect(field).to_be_hidden()


def expired_token(server: Server) -> str:
    return token_for(server, "demo", ttl=1, now=0)


def token_for(server: Server, user: str, ttl: int = 3600, **options: int) -> str:
    from imagecore.adapters.http import TokenPolicy, issue_token

    secret = (server.data_dir / "jwt-secret").read_text().strip()
    return issue_token(user, TokenPolicy.shared_secret(secret), ttl=ttl, **options)


def test_a_link_s_token_for_another_user_is_used_only_when_the_person_agrees(
    page: Page, server: Server
) -> None:
    """Signed in as demo, a link carrying mallory's token asks first: declined, the page stays
    demo's; accepted, it becomes mallory's. The signed-in user is always shown."""
    open_page(page, server)
    signed_in = page.locator("#signed-in")
    expect(signed_in).to_have_text("Signed in as demo")
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.goto(f"{server.base_url}/#token={token_for(server, 'mallory')}")
    page.reload()  # a fragment change alone does not load the page again
    expect(signed_in).to_have_text("Signed in as demo")
    assert questions and '"mallory"' in questions[0] and '"demo"' in questions[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.goto(f"{server.base_url}/?again#token={token_for(server, 'mallory')}")
    expect(signed_in).to_have_text("Signed in as mallory")


def test_descriptions_srcset_and_placeholder_colour(page: Page, server: Server) -> None:
    """An uploaded image gets srcset and sizes from the server's details and its placeholder
    colour behind it; its description is edited in place, becomes its alt, and stays."""
    open_page(page, server)
    expect(page.get_by_label("Describe the profile image")).to_be_hidden()  # a default image
    page.get_by_label("Choose a profile image").set_input_files(png((200, 30, 30)))
    use_as_framed(page)
    expect(page.get_by_role("status")).to_have_text("Profile image uploaded successfully")
    profile = page.locator("#profile-img")
    expect(profile).to_have_attribute("srcset", re.compile(r"/media/resume/images/\S+ \d+w$"))
    expect(profile).to_have_attribute("sizes", "(max-width: 600px) 96px, 132px")
    expect(page.locator("#profile")).to_have_css("background-color", "rgb(200, 30, 30)")

    field = page.get_by_label("Describe the profile image")
    field.fill("  Me, in a red jumper  ")
    field.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "Profile image description updated successfully"
    )
    expect(profile).to_have_attribute("alt", "Me, in a red jumper")
    page.reload()
    expect(page.locator("#profile-img")).to_have_attribute("alt", "Me, in a red jumper")
    expect(page.get_by_label("Describe the profile image")).to_have_value("Me, in a red jumper")

    field = page.get_by_label("Describe the profile image")
    field.fill("line\u0007bell")
    page.get_by_role("button", name="Save description").first.click()
    expect(page.get_by_role("alert")).to_contain_text("'profile_image_alt' must be one line")
    expect(page.locator("#profile-img")).to_have_attribute("alt", "Me, in a red jumper")
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_phone_s_heic_and_avif_photos_are_stored_upright_as_jpeg(
    page: Page, server: Server
) -> None:
    """Chosen on the page as a phone hands them over (turned by their container, as a camera
    held sideways writes them), both are stored as JPEG, upright; the help line lists the
    formats the server takes. Chromium shows AVIF, so the AVIF is framed first (the cover's
    2:1 frame takes the middle 400 x 200); it cannot show HEIC, which goes up whole."""
    open_page(page, server)
    expect(page.locator("#formats")).to_have_text("JPEG, PNG, GIF, WebP, AVIF or HEIC")
    upright = images.quadrants((400, 300))
    sideways = upright.transpose(Image.Transpose.ROTATE_90)  # orientation 6 turns it back
    files = {
        "profile_image": ("photo.heic", "image/heic", images.heic(sideways, orientation=6)),
        "cover_image": ("photo.avif", "image/avif", images.avif(sideways, orientation=6)),
    }
    sizes = {"profile_image": (400, 300), "cover_image": (400, 200)}
    for slot, (name, media_type, data) in files.items():
        label = "Choose a profile image" if slot == "profile_image" else "Choose a cover image"
        page.get_by_label(label).set_input_files(
            {"name": name, "mimeType": media_type, "buffer": data}
        )
        if name.endswith(".avif"):
            use_as_framed(page)
        word = "Profile" if slot == "profile_image" else "Cover"
        expect(page.get_by_role("status")).to_have_text(f"{word} image uploaded successfully")
        detail, stored = stored_detail(page, server, slot)
        assert detail["media_type"] == "image/jpeg"
        assert stored.format == "JPEG" and stored.size == sizes[slot]
        top_left = stored.convert("RGB").getpixel((20, 20))
        expected = images.QUADRANT_COLOURS[0]
        assert all(abs(a - b) < 20 for a, b in zip(top_left, expected, strict=True)), top_left  # type: ignore[arg-type]


def test_the_page_passes_an_accessibility_audit(
    page: Page, server: Server, audit: Callable[[], list[str]]
) -> None:
    """axe-core finds nothing on the page: signed out, signed in, with images, at phone width."""
    page.goto(server.base_url)
    expect(page.get_by_role("status")).to_have_text("Paste an access token to begin.")
    assert audit() == []
    page.goto(f"{server.base_url}/?signed-in#token={server.token}")  # a new load, signed in
    expect(page.get_by_alt_text("Profile image (default)")).to_have_attribute("src", DEFAULT)
    assert audit() == []
    page.get_by_label("Choose a profile image").set_input_files(png((200, 30, 30)))
    use_as_framed(page)
    expect(page.get_by_role("status")).to_have_text("Profile image uploaded successfully")
    assert audit() == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert audit() == []


def quadrant_picture() -> dict[str, object]:
    data = images.encode(images.quadrants((800, 800)), "PNG")
    return {"name": "quadrants.png", "mimeType": "image/png", "buffer": data}


def stored_detail(page: Page, server: Server, slot: str) -> tuple[dict[str, object], Image.Image]:
    answer = page.request.get(
        server.base_url + "/api/resume/user-images/",
        headers={"Authorization": f"Bearer {server.token}"},
    )
    detail = answer.json()["details"][slot]
    return detail, images.decode(page.request.get(server.base_url + detail["url"]).body())


def test_the_crop_dialog_frames_what_is_stored(
    page: Page, server: Server, audit: Callable[[], list[str]], artifacts: Path
) -> None:
    """Zoomed in twice and dragged up and to the left, the frame holds the picture's bottom
    right quadrant: that, and only that, is stored. The dialog passes the audit, and focus
    goes into it and back."""
    open_page(page, server)
    chooser = page.get_by_label("Choose a profile image")
    chooser.set_input_files(quadrant_picture())
    dialog = page.get_by_role("dialog", name="Frame the profile image")
    expect(dialog).to_be_visible()
    frame = page.locator("#crop-frame")
    expect(frame).to_be_focused()
    assert audit() == []
    page.screenshot(path=artifacts / "crop-dialog.png")

    page.get_by_label("Zoom").fill("2")
    box = frame.bounding_box()
    assert box is not None
    # At zoom 1 the frame shows all 800 pixels; at 2, the middle 400: dragging by half the
    # frame up and left brings the bottom right 400 x 400 into it.
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] - box["width"] / 2, middle[1] - box["height"] / 2, steps=8)
    page.mouse.up()
    dialog.get_by_role("button", name="Use this").click()
    expect(page.get_by_role("status")).to_have_text("Profile image uploaded successfully")
    detail, stored = stored_detail(page, server, "profile_image")
    assert (detail["width"], detail["height"]) == (400, 400)
    low, high = zip(*stored.convert("RGB").getextrema(), strict=True)
    yellow = images.QUADRANT_COLOURS[3]
    assert all(abs(a - b) <= 6 for a, b in zip(low, yellow, strict=True)), low
    assert all(abs(a - b) <= 6 for a, b in zip(high, yellow, strict=True)), high
    assert page.problems == []  # type: ignore[attr-defined]


def test_the_crop_dialog_works_from_the_keyboard_and_escape_cancels(
    page: Page, server: Server
) -> None:
    """+ zooms and the arrows move the frame, Use this uploads that; Escape uploads nothing and
    gives focus back to where it was."""
    open_page(page, server)
    chooser = page.get_by_label("Choose a cover image")
    chooser.focus()
    chooser.set_input_files(quadrant_picture())
    dialog = page.get_by_role("dialog", name="Frame the cover image")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text("The cover image was not changed.")
    expect(chooser).to_be_focused()
    expect(page.get_by_alt_text(re.compile("^Cover image"))).to_have_count(0)

    chooser.set_input_files(quadrant_picture())
    expect(page.locator("#crop-frame")).to_be_focused()
    for _ in range(4):
        page.keyboard.press("+")  # 1.25 ** 4: about 2.4 times
    for _ in range(30):
        page.keyboard.press("Shift+ArrowLeft")  # the frame as far left as it goes
    expect(page.locator("#crop-position")).to_have_text(
        re.compile(r"^Showing \d+ by \d+ pixels, from 0 across and \d+ down\.$")
    )
    page.keyboard.press("Tab")  # the zoom slider
    page.keyboard.press("Tab")  # "keep this part in view"
    page.keyboard.press("Tab")  # Cancel
    page.keyboard.press("Tab")  # Use this
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Cover image uploaded successfully")
    detail, stored = stored_detail(page, server, "cover_image")
    # A 2:1 frame on the left edge, at about 2.4 times: the left half's middle band, red over
    # blue, about 330 x 165 pixels of the picture.
    width, height = stored.size
    assert (detail["width"], detail["height"]) == (width, height)
    assert 300 <= width <= 360 and abs(height - width / 2) <= 1, (width, height)
    rgb = stored.convert("RGB")
    top, bottom = rgb.getpixel((5, 5)), rgb.getpixel((5, rgb.height - 5))
    assert all(abs(a - b) <= 12 for a, b in zip(top, images.QUADRANT_COLOURS[0], strict=True))  # type: ignore[arg-type]
    assert all(abs(a - b) <= 12 for a, b in zip(bottom, images.QUADRANT_COLOURS[2], strict=True))  # type: ignore[arg-type]


def test_the_crop_dialog_fits_a_phone(
    page: Page, server: Server, artifacts: Path, audit: Callable[[], list[str]]
) -> None:
    """At 390 pixels wide the dialog, its frame and its buttons are all within the screen, and
    it passes the audit; turned to landscape, it keeps framing the same part."""
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, server)
    page.get_by_label("Choose a cover image").set_input_files(quadrant_picture())
    dialog = page.get_by_role("dialog", name="Frame the cover image")
    expect(dialog).to_be_visible()
    page.screenshot(path=artifacts / "crop-dialog-390.png")
    assert audit() == []
    page.get_by_label("Zoom").fill("2")
    framed = page.evaluate(
        "() => document.getElementById('crop-frame').getBoundingClientRect().width"
    )
    page.set_viewport_size({"width": 844, "height": 390})
    page.wait_for_function(
        f"() => document.getElementById('crop-frame').getBoundingClientRect().width !== {framed}"
    )
    # What the wider frame shows is the same 400 pixels of the picture, drawn larger.
    shown = page.evaluate(
        "() => document.getElementById('crop-frame').getBoundingClientRect().width / "
        "new DOMMatrix(getComputedStyle(document.getElementById('crop-picture')).transform).a"
    )
    assert abs(shown - 400) <= 3, shown
    page.set_viewport_size({"width": 390, "height": 844})
    for part in (
        dialog,
        page.locator("#crop-frame"),
        dialog.get_by_role("button", name="Use this"),
    ):
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    dialog.get_by_role("button", name="Use this").click()
    expect(page.get_by_role("status")).to_have_text("Cover image uploaded successfully")
    # Zoomed twice on an 800-pixel picture, a 2:1 frame shows 400 x 200 of it, turned or not.
    detail, _ = stored_detail(page, server, "cover_image")
    width, height = int(detail["width"]), int(detail["height"])  # type: ignore[call-overload]
    assert abs(width - 400) <= 3 and abs(height - 200) <= 3, (width, height)


PINCH = """(frame) => {
  const box = frame.getBoundingClientRect();
  const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
  const send = (type, id, dx) => frame.dispatchEvent(new PointerEvent(type, {
    pointerId: id, pointerType: 'touch', clientX: x + dx, clientY: y, bubbles: true }));
  send('pointerdown', 11, -20); send('pointerdown', 12, 20);
  for (const apart of [30, 45, 60]) {
    send('pointermove', 11, -apart);
    send('pointermove', 12, apart);
  }
  send('pointerup', 11, -60); send('pointerup', 12, 60);
}"""


def test_the_crop_dialog_zooms_by_wheel_and_pinch(page: Page, server: Server) -> None:
    open_page(page, server)
    page.get_by_label("Choose a profile image").set_input_files(quadrant_picture())
    zoom = page.get_by_label("Zoom")
    expect(zoom).to_have_value("1")
    frame = page.locator("#crop-frame")
    frame.hover()
    page.mouse.wheel(0, -200)
    expect(zoom).not_to_have_value("1")
    wheeled = float(zoom.input_value())
    frame.evaluate(PINCH)  # two fingers, moving apart to three times their distance
    pinched = float(zoom.input_value())
    assert pinched == pytest.approx(min(8.0, wheeled * 3), rel=0.01), (wheeled, pinched)
    page.keyboard.press("Escape")
    expect(page.get_by_role("status")).to_have_text("The profile image was not changed.")
