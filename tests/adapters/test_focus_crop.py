"""Fill mode crops around the focal point given with an upload, in whichever of the eight EXIF
orientations the file is stored: the marked subject at the focus is in the stored image, where
the stored image's focus says; and the codec suggests a focus where none is given."""

from __future__ import annotations

import pytest
from PIL import Image

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.model import Focus
from tests import images

SQUARE = Box(300, 300, fill=True)
RED = (220, 30, 30)


def banner_with_a_subject(at: tuple[float, float]) -> Image.Image:
    """A grey 900 x 300 banner with a red square subject centred ``at`` (fractions)."""
    picture = Image.new("RGB", (900, 300), (128, 128, 128))
    x, y = round(at[0] * 900), round(at[1] * 300)
    picture.paste(RED, (x - 30, y - 30, x + 30, y + 30))
    return picture


def stored(picture: Image.Image, orientation: int) -> bytes:
    method = images.STORED_BY[orientation]
    pixels = picture.transpose(method) if method is not None else picture
    exif = Image.Exif()
    exif[images.ORIENTATION] = orientation
    return images.encode(pixels, "PNG", exif=exif)


def is_red(pixel: tuple[int, ...]) -> bool:
    return pixel[0] > 180 and pixel[1] < 80 and pixel[2] < 80


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("at", [(0.85, 0.5), (0.1, 0.3)])
def test_fill_crops_around_the_focus_in_every_orientation(
    orientation: int, at: tuple[float, float]
) -> None:
    data = stored(banner_with_a_subject(at), orientation)
    box = Box(300, 300, fill=True, focus=Focus(*at))
    encoded = PillowCodec().encode(data, box, ImageLimits())
    picture = images.decode(encoded.data).convert("RGB")
    assert picture.size == (300, 300)
    assert encoded.focus is not None and not encoded.focus.suggested
    x, y = encoded.focus.x * 300, encoded.focus.y * 300
    assert is_red(picture.getpixel((min(round(x), 299), min(round(y), 299))))
    # Without the focus, the centre is kept and the subject cut off.
    centred = PillowCodec().encode(data, SQUARE, ImageLimits())
    middle = images.decode(centred.data).convert("RGB")
    assert not any(is_red(middle.getpixel((px, 150))) for px in range(0, 300, 5))


def test_the_codec_suggests_a_focus_on_the_subject_when_none_is_given() -> None:
    data = images.encode(banner_with_a_subject((0.8, 0.4)), "PNG")
    encoded = PillowCodec().encode(data, Box(900, 300), ImageLimits())
    assert encoded.focus is not None and encoded.focus.suggested
    assert encoded.focus.x == pytest.approx(0.8, abs=0.08)
    assert encoded.focus.y == pytest.approx(0.4, abs=0.12)


def test_a_focus_in_fit_mode_is_kept_where_it_was() -> None:
    data = images.encode(banner_with_a_subject((0.3, 0.6)), "PNG")
    encoded = PillowCodec().encode(data, Box(450, 450, focus=Focus(0.3, 0.6)), ImageLimits())
    assert encoded.focus == Focus(0.3, 0.6)
