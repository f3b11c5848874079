"""What an app shows while an image loads: a BlurHash (the format Mastodon's clients decode)
and the average colour, both from a small downsample of the stored picture.

BlurHash is small and fully specified (github.com/woltapp/blurhash): written out here rather
than taken from a package, because the Python ones found are unkept (one reads pixels through
an API Pillow 14 removes). The tests check it against an independent implementation.
"""

from __future__ import annotations

import math

from PIL import Image

from imagecore.adapters.pillow_codec.pixels import flatten
from imagecore.model import Placeholder

#: BlurHash keeps a few cosine components: a 32-pixel copy holds all they can show.
SIZE = 32
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
#: Each 8-bit sRGB value in linear light.
_LINEAR = [
    value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
    for value in (n / 255 for n in range(256))
]


def placeholder(image: Image.Image) -> Placeholder:
    """The placeholder of ``image`` (L, RGB or RGBA; transparency shown on white, as a JPEG of
    it would be)."""
    # Square, whatever the picture's shape: BlurHash's components are fractions of each side, so
    # the sample need not keep the aspect, and a side of a pixel or two would make them garbage.
    small = image.resize((SIZE, SIZE), Image.Resampling.BOX)
    rgb = flatten(small.convert("RGBA")) if "A" in small.mode else small.convert("RGB")
    red, green, blue = rgb.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))  # type: ignore[misc]
    # Four components along the long side and three across, as BlurHash's authors suggest.
    across, down = (4, 3) if image.width >= image.height else (3, 4)
    return Placeholder(blurhash(rgb, across, down), f"#{red:02x}{green:02x}{blue:02x}")


def blurhash(image: Image.Image, across: int, down: int) -> str:
    """The BlurHash of an RGB ``image`` with ``across`` x ``down`` components (1 to 9 each)."""
    width, height = image.size
    data = image.tobytes()
    pixels = [
        [[_LINEAR[data[(y * width + x) * 3 + c]] for c in range(3)] for x in range(width)]
        for y in range(height)
    ]
    cos_x = [[math.cos(math.pi * i * x / width) for x in range(width)] for i in range(across)]
    cos_y = [[math.cos(math.pi * j * y / height) for y in range(height)] for j in range(down)]
    # The basis is separable: sum each row against each horizontal cosine once.
    rows = [
        [[sum(cos_x[i][x] * row[x][c] for x in range(width)) for c in range(3)] for row in pixels]
        for i in range(across)
    ]
    factors = []
    for j in range(down):
        for i in range(across):
            scale = (1 if i == 0 and j == 0 else 2) / (width * height)
            factors.append(
                [scale * sum(cos_y[j][y] * rows[i][y][c] for y in range(height)) for c in range(3)]
            )
    dc, ac = factors[0], factors[1:]
    result = _base83((across - 1) + (down - 1) * 9, 1)
    if ac:
        largest = max(abs(value) for factor in ac for value in factor)
        quantised = max(0, min(82, math.floor(largest * 166 - 0.5)))
        maximum = (quantised + 1) / 166
        result += _base83(quantised, 1)
    else:
        maximum = 1.0
        result += _base83(0, 1)
    result += _base83((_srgb(dc[0]) << 16) + (_srgb(dc[1]) << 8) + _srgb(dc[2]), 4)
    for factor in ac:
        r, g, b = (_quantise_ac(value / maximum) for value in factor)
        result += _base83(r * 19 * 19 + g * 19 + b, 2)
    return result


def _srgb(linear: float) -> int:
    value = max(0.0, min(1.0, linear))
    if value <= 0.0031308:
        return int(value * 12.92 * 255 + 0.5)
    return int((1.055 * value ** (1 / 2.4) - 0.055) * 255 + 0.5)


def _quantise_ac(value: float) -> int:
    signed = math.copysign(abs(value) ** 0.5, value)
    return max(0, min(18, math.floor(signed * 9 + 9.5)))


def _base83(value: int, length: int) -> str:
    return "".join(_DIGITS[(value // 83 ** (length - n)) % 83] for n in range(1, length + 1))
