"""Orientation, with Debian's headless Chromium as the oracle: each upload with an EXIF
orientation is shown by the browser, and what the codec stores must show the same picture.

Nothing here says what the browser should do with an orientation: it is asked, once, for every
file (the originals and the codec's outputs in one page load), and the stored pictures are held
to its answers. Today that means a JPEG's and a PNG's orientation turn the picture, a WebP's
does not; should Chromium change, these tests say so.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from PIL import Image
from playwright.sync_api import Browser, Route

from imagecore import ImageLimits, Slot
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.policies import DEFAULT_POLICIES
from tests import containers, images

ORIGIN = "http://imagecore.test"
TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
#: Where the pictures are read, as fractions of the shown width and height: inside the corner
#: blocks of the marked picture however it is turned, at its edges' middles and at its centre.
AT = (0.125, 0.5, 0.875)
SIZE = (128, 80)

Colour = tuple[int, int, int]


@attrs.frozen
class Shown:
    """A picture as it is displayed: its size, and its colours at the ``AT`` points."""

    size: tuple[int, int]
    colours: tuple[Colour, ...]


def picture(mark: int = 0) -> Image.Image:
    """The marked picture (red, green and blue corner blocks on grey); ``mark`` moves a small
    square between the sampled points, so an animation's frames differ where no one looks."""
    image = images.marked(SIZE)
    image.paste((240, 240, 40), (38 + 4 * mark, 26, 46 + 4 * mark, 32))
    return image


def exif(orientation: int) -> bytes:
    tags = Image.Exif()
    tags[images.ORIENTATION] = orientation
    return tags.tobytes()


def jpeg(orientation: int) -> bytes:
    return images.encode(picture(), "JPEG", quality=95, subsampling=0, exif=exif(orientation))


def png(orientation: int) -> bytes:
    data = images.encode(picture(), "PNG", exif=exif(orientation))
    kinds = containers.png_chunks(data)
    assert kinds.index(b"eXIf") < kinds.index(b"IDAT"), "the eXIf must come before the data"
    return data


def webp(orientation: int) -> bytes:
    return images.encode(picture(), "WEBP", quality=95, exif=exif(orientation))


def lossless_webp(orientation: int) -> bytes:
    return images.encode(picture(), "WEBP", lossless=True, exif=exif(orientation))


def animated_webp(orientation: int) -> bytes:
    frames = [picture(n) for n in range(3)]
    return images.encode(
        frames[0],
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=80,
        loop=0,
        lossless=True,
        exif=exif(orientation),
    )


MAKERS: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "JPEG": ("jpg", jpeg),
    "PNG, eXIf before the data": ("png", png),
    "WebP": ("webp", webp),
    "WebP lossless": ("webp", lossless_webp),
    "animated WebP": ("webp", animated_webp),
}
CASES = [f"{name}, orientation {n}" for name in MAKERS for n in (3, 6, 8)]

#: Loads every picture the page names, and reads each as the browser shows it: its natural
#: size (orientation applied, if the browser applies it), and its colours drawn on a canvas.
READ = """async ({paths, at}) => {
  const shown = {};
  for (const path of paths) {
    const img = new Image();
    img.src = path;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    const colours = [];
    for (const fy of at) {
      for (const fx of at) {
        const x = Math.floor(canvas.width * fx), y = Math.floor(canvas.height * fy);
        colours.push(Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3)));
      }
    }
    shown[path] = {size: [canvas.width, canvas.height], colours};
  }
  return shown;
}"""


@attrs.frozen
class Seen:
    """One case: the upload as Chromium shows it, the stored file as Chromium shows it, and the
    stored file's own pixels, read without any browser."""

    upload: Shown
    stored: Shown
    stored_pixels: Shown


def pixels(data: bytes) -> Shown:
    """The first frame of ``data`` as its pixels are, sampled where the browser is."""
    rgb = images.decode(data).convert("RGB")
    w, h = rgb.size
    points = [(int(w * fx), int(h * fy)) for fy in AT for fx in AT]
    return Shown((w, h), tuple(rgb.getpixel(point) for point in points))  # type: ignore[misc]


@pytest.fixture(scope="module")
def seen(browser: Browser) -> dict[str, Seen]:
    """Every case's upload and stored file, shown in one page load."""
    codec = PillowCodec()
    box = DEFAULT_POLICIES[Slot.PROFILE].box
    files: dict[str, bytes] = {}
    paths: dict[str, tuple[str, str]] = {}
    for number, case in enumerate(CASES):
        name, _, orientation = case.rpartition(", orientation ")
        extension, make = MAKERS[name]
        upload = make(int(orientation))
        stored = codec.encode(upload, box, ImageLimits())
        paths[case] = (f"/upload/{number}.{extension}", f"/stored/{number}.{stored.extension}")
        files |= {paths[case][0]: upload, paths[case][1]: stored.data}

    def answer(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path in files:
            kind = TYPES[path.rpartition(".")[2]]
            route.fulfill(status=200, content_type=kind, body=files[path])
        else:
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>")

    context = browser.new_context()
    try:
        page = context.new_page()
        page.route(f"{ORIGIN}/**", answer)
        page.goto(f"{ORIGIN}/")
        answers = page.evaluate(READ, {"paths": list(files), "at": list(AT)})
    finally:
        context.close()

    def shown(path: str) -> Shown:
        got = answers[path]
        return Shown(tuple(got["size"]), tuple(tuple(c) for c in got["colours"]))

    return {
        case: Seen(shown(upload), shown(stored), pixels(files[stored]))
        for case, (upload, stored) in paths.items()
    }


def same(got: Shown, want: Shown) -> bool:
    """The same size, and every sampled colour within JPEG's tolerance."""
    return got.size == want.size and all(
        images.close(a, b) for a, b in zip(got.colours, want.colours, strict=True)
    )


@pytest.mark.parametrize("case", CASES)
def test_the_stored_picture_shows_as_chromium_shows_the_upload(
    seen: dict[str, Seen], case: str
) -> None:
    """Chromium shows the stored file as it shows the upload (same upright size, same colours
    at the same places), and the stored pixels are that picture without any metadata."""
    result = seen[case]
    assert len(set(result.upload.colours)) >= 3, "the browser showed no picture"
    assert same(result.stored, result.upload), (result.upload, result.stored)
    assert same(result.stored_pixels, result.upload), (result.upload, result.stored_pixels)
