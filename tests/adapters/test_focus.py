"""A picture's suggested focus lands on its subject, whatever the mode, and on the centre when
nothing stands out: the same point every time, the colours under transparent pixels aside."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from imagecore.adapters.pillow_codec.focus import CENTRE, suggested_focus

FIXTURES = Path(__file__).parents[1] / "fixtures"
#: How far (a fraction of the width, of the height) the focus may be from the subject's centre.
TOLERANCE = 0.12
SKIN = (224, 172, 138)
#: Where a subject a quarter of the shorter side wide is put: its box's top left corner, as a
#: fraction of the room the picture leaves it (0: flush with the left or top side, 1: with the
#: right or bottom).
PLACES = {
    "top left corner": (0.0, 0.0),
    "top right corner": (1.0, 0.0),
    "bottom left corner": (0.0, 1.0),
    "bottom right corner": (1.0, 1.0),
    "top edge": (0.5, 0.0),
    "left edge": (0.0, 0.5),
    "right edge": (1.0, 0.5),
    "bottom edge": (0.5, 1.0),
    "off centre": (0.3, 0.65),
    "centre": (0.5, 0.5),
}
SIZES = [(640, 480), (480, 640), (1200, 400)]


def textured_patch(side: int) -> Image.Image:
    """A square of random grey blocks, an eighth of its side each: detail and nothing else."""
    blocks = np.random.default_rng(7).integers(0, 256, (8, 8), dtype=np.uint8)
    return Image.fromarray(blocks).resize((side, side), Image.Resampling.NEAREST).convert("RGBA")


def face(side: int) -> Image.Image:
    """A skin-coloured ellipse with eyes and a mouth, on transparency."""
    picture = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((side * 0.15, 0, side * 0.85, side - 1), fill=SKIN)
    eye = side / 10
    for x in (0.37 * side, 0.63 * side):
        y = 0.38 * side
        draw.ellipse((x - eye, y - eye / 2, x + eye, y + eye / 2), fill=(250, 250, 250))
        draw.ellipse(
            (x - eye / 2.5, y - eye / 2.5, x + eye / 2.5, y + eye / 2.5), fill=(40, 30, 20)
        )
    draw.ellipse((side * 0.38, side * 0.7, side * 0.62, side * 0.78), fill=(170, 60, 60))
    return picture


def background(kind: str, size: tuple[int, int]) -> Image.Image:
    """A plain light grey, a grey graded from dark to light across the picture, or a sky graded
    from blue to white from top to bottom."""
    if kind == "plain":
        return Image.new("RGB", size, (200, 205, 210))
    width, height = size
    across = np.linspace(0, 1, width)[None, :, None]
    down = np.linspace(0, 1, height)[:, None, None]
    if kind == "graded grey":
        pixels = 60 + 150 * (0.6 * across + 0.4 * down) * np.ones(3)
    else:
        blue, white = np.array([70, 130, 220]), np.array([235, 240, 250])
        pixels = blue + (white - blue) * (0.7 * down + 0.3 * across)
    return Image.fromarray(pixels.astype(np.uint8))


def with_subject(
    subject: Image.Image, place: tuple[float, float], behind: Image.Image
) -> tuple[Image.Image, tuple[float, float]]:
    """``subject`` put on ``behind`` at ``place`` (see :data:`PLACES`), and its centre as
    fractions of the picture's width and height."""
    picture = behind.convert("RGBA")
    left = round(place[0] * (picture.width - subject.width))
    top = round(place[1] * (picture.height - subject.height))
    picture.alpha_composite(subject, (left, top))
    centre = (
        (left + subject.width / 2) / picture.width,
        (top + subject.height / 2) / picture.height,
    )
    return picture.convert("RGB"), centre


def near(found: tuple[float, float], expected: tuple[float, float]) -> bool:
    return all(abs(a - b) <= TOLERANCE for a, b in zip(found, expected, strict=True))


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("place", PLACES.values(), ids=list(PLACES))
@pytest.mark.parametrize("kind", ["plain", "graded grey", "graded sky"])
@pytest.mark.parametrize("make", [textured_patch, face], ids=["texture", "face"])
def test_the_focus_is_on_the_subject(
    make: Callable[[int], Image.Image], kind: str, place: tuple[float, float], size: tuple[int, int]
) -> None:
    """A textured patch or a face, a quarter of the shorter side wide, on a plain or graded
    background: the focus is within the tolerance of its centre, wherever it is."""
    subject = make(min(size) // 4)
    picture, centre = with_subject(subject, place, background(kind, size))
    assert near(suggested_focus(picture), centre)


@pytest.mark.parametrize("place", [(0.0, 1.0), (0.8, 0.2)], ids=["bottom left", "top right"])
def test_the_focus_of_a_large_picture_is_on_the_subject(place: tuple[float, float]) -> None:
    """A 4000 x 3000 picture is reduced first; the focus is still on its subject."""
    size = (4000, 3000)
    picture, centre = with_subject(face(750), place, background("graded grey", size))
    assert near(suggested_focus(picture), centre)


@pytest.mark.parametrize(
    "picture",
    [
        Image.new("RGB", (640, 480), (200, 205, 210)),
        Image.new("RGB", (640, 480), (255, 0, 0)),
        Image.new("RGB", (300, 500), SKIN),
        Image.new("L", (4000, 3000), 0),
        Image.new("RGBA", (64, 48), (0, 0, 0, 0)),
        Image.new("P", (50, 50), 3),
        Image.new("RGB", (1, 1), (9, 9, 9)),
        Image.new("RGB", (0, 0)),
        Image.linear_gradient("L").resize((800, 600)),
    ],
    ids=[
        "grey",
        "red",
        "skin",
        "large black",
        "clear",
        "palette",
        "one pixel",
        "empty",
        "gradient",
    ],
)
def test_a_picture_where_nothing_stands_out_has_the_centre(picture: Image.Image) -> None:
    """Flat in any mode and size (none at all included), or a smooth gradient: the centre."""
    assert suggested_focus(picture) == CENTRE


def test_the_same_picture_gives_the_same_point() -> None:
    """Called again, on a copy, or on the picture made afresh, the point is the same to the bit."""
    picture, _ = with_subject(face(120), (0.3, 0.65), background("graded sky", (640, 480)))
    again, _ = with_subject(face(120), (0.3, 0.65), background("graded sky", (640, 480)))
    first = suggested_focus(picture)
    assert first != CENTRE
    assert suggested_focus(picture) == first
    assert suggested_focus(picture.copy()) == first
    assert suggested_focus(again) == first


@pytest.mark.parametrize("size", [(240, 180), (2000, 1500)], ids=["as it is", "reduced"])
def test_colours_under_transparent_pixels_do_not_move_the_point(size: tuple[int, int]) -> None:
    """A textured patch on a clear picture: noise, skin or black under the clear pixels, the
    point is the same, on the patch."""
    patch = textured_patch(min(size) // 4)
    left, top = size[0] * 3 // 5, size[1] // 5
    found = set()
    for hidden in ("black", "noise", "skin"):
        if hidden == "noise":
            pixels = np.random.default_rng(3).integers(0, 256, (size[1], size[0], 3), np.uint8)
            under = Image.fromarray(pixels)
        else:
            under = Image.new("RGB", size, (0, 0, 0) if hidden == "black" else SKIN)
        picture = under.convert("RGBA")
        picture.putalpha(0)
        picture.paste(patch, (left, top))
        found.add(suggested_focus(picture))
    (point,) = found
    centre = ((left + patch.width / 2) / size[0], (top + patch.height / 2) / size[1])
    assert near(point, centre)


def test_a_palette_s_transparent_colour_does_not_move_the_point() -> None:
    """A palette picture whose transparent index stands for black or for skin: the same point."""
    picture, _ = with_subject(textured_patch(60), (0.8, 0.3), background("plain", (240, 180)))
    paletted = picture.quantize(colors=200, dither=Image.Dither.NONE)
    clear = paletted.getpixel((0, 0))  # the background's colour
    assert isinstance(clear, int)
    found = set()
    for colour in ((0, 0, 0), SKIN):
        copy = paletted.copy()
        palette = copy.getpalette() or []
        palette[3 * clear : 3 * clear + 3] = colour
        copy.putpalette(palette)
        copy.info["transparency"] = clear
        found.add(suggested_focus(copy))
    assert len(found) == 1


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P"])
def test_every_mode_the_codec_gives(mode: str) -> None:
    """The same subject in each mode: its focus is on it."""
    picture, centre = with_subject(
        textured_patch(120), (0.85, 0.15), background("graded grey", (640, 480))
    )
    assert near(suggested_focus(picture.convert(mode)), centre)


def test_the_focus_of_three_men_is_on_their_heads() -> None:
    """In the PDQ picture of three men walking out of a door, the focus is in the top third,
    among their heads, not on the door frame at the left."""
    x, y = suggested_focus(Image.open(FIXTURES / "pdq" / "q0291.jpg"))
    assert 0.3 < x < 0.8
    assert y < 1 / 3


@pytest.mark.parametrize("path", sorted((FIXTURES / "pdq").glob("*.jpg")), ids=lambda p: p.name)
def test_a_photograph_s_focus_is_inside_it(path: Path) -> None:
    """Each of PDQ's photographs has its focus inside it."""
    x, y = suggested_focus(Image.open(path))
    assert 0 <= x <= 1
    assert 0 <= y <= 1


@pytest.mark.parametrize(
    "name",
    [
        "apple-iphone-11-pro.heic",
        "apple-iphone-13-pro-max.heic",
        "hmd-nokia-8.3-5g-hdr.heif",
        "hmd-nokia-8.3-5g.heif",
        "samsung-galaxy-s24-fe.heic",
    ],
)
def test_a_phone_photo_s_focus_is_inside_it(name: str) -> None:
    """Each real phone's photo (7 to 16 MP, reduced first) has its focus inside it."""
    pillow_heif = pytest.importorskip("pillow_heif")
    x, y = suggested_focus(pillow_heif.open_heif(FIXTURES / "phones" / name).to_pillow())
    assert 0 <= x <= 1
    assert 0 <= y <= 1
