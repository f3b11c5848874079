"""Default avatars drawn as WebP by Pillow: what the SVG shows, at each width, the same bytes
every time; initials only in a font that has their letters."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from imagecore.adapters.pillow_codec.avatar_painter import PillowAvatarPainter
from imagecore.avatars import CELL, FOREGROUND, PALETTE, SIDE, Avatar, AvatarPolicy, AvatarStyle
from tests.fonts import FONT, painter_or_skip

IDENTICON = AvatarPolicy(AvatarStyle.IDENTICON, b"a secret")
WIDTHS = (48, 96, 192)


@pytest.fixture(scope="module")
def painter() -> PillowAvatarPainter:
    return painter_or_skip()


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    return image.convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def test_an_identicon_s_cells_are_where_the_svg_has_them_at_every_width(
    painter: PillowAvatarPainter,
) -> None:
    """Every cell of the 5 x 5 grid, at its centre: white where the SVG has a square, the
    background where it has none; and the margin around the grid is the background."""
    for n in range(20):
        avatar = IDENTICON.avatar(str(n))
        filled = set(avatar.squares())
        for width in WIDTHS:
            image = decoded(painter.paint(avatar, width))
            assert image.size == (width, width)
            scale = width / SIDE
            for x in range(28, SIDE - 28, CELL):
                for y in range(28, SIDE - 28, CELL):
                    centre = (int((x + CELL / 2) * scale), int((y + CELL / 2) * scale))
                    want = FOREGROUND if (x, y) in filled else avatar.background
                    assert image.getpixel(centre) == rgb(want), (n, width, x, y)
            assert image.getpixel((1, 1)) == rgb(avatar.background)
            assert image.getpixel((width - 2, width // 2)) == rgb(avatar.background)


@pytest.mark.parametrize("initials", ["AL", "Q", "ZØ", "Ж", "Ω", "ك", "א"])
def test_initials_are_drawn_white_and_centred_on_their_colour(
    painter: PillowAvatarPainter, initials: str
) -> None:
    """The letters' white stands in the middle (to a pixel across, within the SVG's 0.35 em
    drop down), and the rest is the palette colour, exactly."""
    avatar = Avatar(PALETTE.index("#1d4ed8"), initials=initials)
    assert painter.can_paint(avatar)
    for width in WIDTHS:
        image = decoded(painter.paint(avatar, width))
        white = Image.eval(image.convert("L"), lambda v: 255 if v > 200 else 0)
        box = white.getbbox()
        assert box is not None, (initials, width)
        left, top, right, bottom = box
        assert abs((left + right) / 2 - width / 2) <= max(2, width / 48), (initials, width, box)
        assert top > width / 5 and bottom < width * 4 / 5, (initials, width, box)
        assert image.getpixel((2, 2)) == rgb(avatar.background)


def test_the_same_avatar_is_the_same_bytes_from_any_painter(painter: PillowAvatarPainter) -> None:
    other = PillowAvatarPainter.with_fonts([FONT])
    for avatar in (Avatar(4, initials="AL"), IDENTICON.avatar("7")):
        for width in WIDTHS:
            assert painter.paint(avatar, width) == other.paint(avatar, width)


def test_a_width_is_a_scaled_down_picture_of_the_full_size(painter: PillowAvatarPainter) -> None:
    """Lossless: the 192 is the 256 scaled, not a re-encoding's approximation of it."""
    avatar = Avatar(7, initials="AL")
    full = decoded(painter.paint(avatar, SIDE))
    scaled = full.resize((192, 192), Image.Resampling.LANCZOS)
    assert ImageChops.difference(scaled, decoded(painter.paint(avatar, 192))).getbbox() is None


def test_initials_no_font_has_are_not_painted(painter: PillowAvatarPainter) -> None:
    """DejaVu has no Chinese, Devanagari or Hangul: those avatars stay SVG alone (drawn in the
    browser's fonts), rather than a box where the letter should be."""
    for initials in ("李", "अ", "한"):
        assert not painter.can_paint(Avatar(1, initials=initials))
    with pytest.raises(ValueError, match="no font"):
        painter.paint(Avatar(1, initials="李"), 48)
    assert painter.can_paint(IDENTICON.avatar("7"))


def test_fonts_not_found_are_left_out_and_the_next_is_tried() -> None:
    painter = PillowAvatarPainter.with_fonts(["NoSuchFont-Bold.ttf", FONT])
    assert painter.can_paint(Avatar(1, initials="AL"))
    none = PillowAvatarPainter.with_fonts(["NoSuchFont-Bold.ttf"])
    assert not none.can_paint(Avatar(1, initials="AL"))
    assert none.can_paint(IDENTICON.avatar("7"))
