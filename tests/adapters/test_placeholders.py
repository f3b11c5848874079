"""Placeholders: a BlurHash and the average colour of each stored picture, from real files."""

from __future__ import annotations

import blurhash
import pytest
from PIL import Image

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.placeholder import blurhash as our_blurhash
from imagecore.adapters.pillow_codec.placeholder import placeholder
from tests import images

BOX = Box(800, 800)


def halves(left: tuple[int, int, int], right: tuple[int, int, int]) -> Image.Image:
    picture = Image.new("RGB", (400, 200), left)
    picture.paste(right, (200, 0, 400, 200))
    return picture


def test_the_blurhash_is_the_reference_s() -> None:
    """Our encoder gives the same strings as an independent one, on pictures with detail in
    every channel, wide and tall, at every component count used."""
    for size in ((32, 21), (21, 32), (32, 32)):
        noise = Image.effect_noise(size, 70).convert("L")
        picture = Image.merge(
            "RGB",
            (noise, noise.transpose(Image.Transpose.ROTATE_180), noise.point(lambda v: 255 - v)),
        )
        rows = [[list(picture.getpixel((x, y))) for x in range(size[0])] for y in range(size[1])]  # type: ignore[arg-type]
        for across, down in ((4, 3), (3, 4), (1, 1), (9, 9)):
            assert our_blurhash(picture, across, down) == blurhash.encode(rows, across, down)


def test_the_colour_is_the_picture_s_average() -> None:
    encoded = PillowCodec().encode(images.png((300, 200), (200, 30, 30)), BOX, ImageLimits())
    assert encoded.placeholder is not None
    assert encoded.placeholder.color == "#c81e1e"


def test_the_blurhash_decodes_to_the_picture_s_layout() -> None:
    """A picture red on the left and blue on the right: its BlurHash, decoded, is red on the
    left and blue on the right; its colour is the mix of both."""
    data = images.encode(halves((220, 20, 20), (20, 20, 220)), "PNG")
    found = PillowCodec().encode(data, BOX, ImageLimits()).placeholder
    assert found is not None
    assert blurhash.components(found.blurhash) == (4, 3)
    shown = blurhash.decode(found.blurhash, 8, 2)
    left, right = shown[0][0], shown[0][7]
    assert left[0] > left[2] + 100 and right[2] > right[0] + 100
    colour = tuple(int(found.color[n : n + 2], 16) for n in (1, 3, 5))
    assert all(abs(got - want) <= 2 for got, want in zip(colour, (120, 20, 120), strict=True))


@pytest.mark.parametrize(
    ("size", "components"), [((300, 200), (4, 3)), ((200, 300), (3, 4))], ids=["wide", "tall"]
)
def test_the_long_side_gets_the_most_components(
    size: tuple[int, int], components: tuple[int, int]
) -> None:
    found = PillowCodec().encode(images.jpeg(size), BOX, ImageLimits()).placeholder
    assert found is not None and blurhash.components(found.blurhash) == components


def test_transparency_is_shown_on_white() -> None:
    """A fully transparent picture averages to white, as a JPEG of it would show."""
    clear = images.encode(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "PNG")
    found = PillowCodec().encode(clear, BOX, ImageLimits()).placeholder
    assert found is not None and found.color == "#ffffff"


def test_an_animation_s_placeholder_is_its_first_frame_s() -> None:
    frames = [Image.new("RGB", (40, 40), colour) for colour in ((0, 200, 0), (0, 0, 200))]
    data = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    found = PillowCodec().encode(data, BOX, ImageLimits()).placeholder
    assert found is not None and found.color == "#00c800"


@pytest.mark.parametrize("size", [(1, 1), (2400, 20), (20, 2400)], ids=["dot", "strip", "column"])
def test_pictures_of_any_shape_get_a_sound_placeholder(size: tuple[int, int]) -> None:
    """A plain picture, however thin, decodes to nearly one colour: no bands. (A side of a pixel
    or two, sampled as it is, made the components along it garbage: bands of 100 to 255
    levels.)"""
    found = placeholder(Image.new("RGB", size, (40, 120, 200)))
    assert found.color == "#2878c8"
    shown = [pixel for row in blurhash.decode(found.blurhash, 6, 6) for pixel in row]
    for channel in range(3):
        values = [pixel[channel] for pixel in shown]
        assert max(values) - min(values) <= 32


def test_a_generated_avatar_s_placeholder_decodes_to_its_background() -> None:
    """The avatars' BlurHash is written by hand (one colour, no detail): a decoder reads it back
    as that colour."""
    from imagecore.avatars import PALETTE, Avatar

    for colour, background in enumerate(PALETTE):
        placeholder = Avatar(colour, pattern=4).image().placeholder
        assert placeholder is not None
        decoded = blurhash.decode(placeholder.blurhash, 2, 2)
        assert "#" + "".join(f"{channel:02x}" for channel in decoded[0][0]) == background
