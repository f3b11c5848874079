"""Transparency is kept in every PNG mode, pixel by pixel, as the input file means it.

Each input is written byte by byte (Pillow cannot write several of these modes), and what it means
is worked out here from the samples themselves, not by decoding it with Pillow: a pixel is clear
where its samples equal the tRNS colour masked to the bit depth (PNG 3rd edition, 11.3.2.1), or
where its alpha is 0, and its opaque value is the sample on 0..255. 16-bit samples, alpha
included, are scaled by ``value >> 8`` (the codec's rule, and what Pillow's 16-bit decoders do),
2- and 4-bit grey by x 85 and x 17, 1-bit grey by x 255.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import attrs
import pytest

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from tests import images
from tests.corpus import checksum_broken

BOX = Box(800, 800)
LIMITS = ImageLimits()

GREY, RGB, PALETTE, GREY_ALPHA, RGBA = 0, 2, 3, 4, 6  # PNG colour types

Pixel = tuple[int, ...]
Rgba = tuple[int, int, int, int]


# --- Writing a PNG, and saying what it means -----------------------------------------------------


@attrs.frozen
class Png:
    """A one-row PNG: its samples, and the chunks that say how to read them."""

    depth: int
    colour_type: int
    pixels: Sequence[Pixel]
    trns: bytes | None = None
    palette: Sequence[tuple[int, int, int]] = ()

    def data(self) -> bytes:
        return _file(self.header_chunks(), [images.png_chunk(b"IDAT", self.pixel_data())])

    def header_chunks(self) -> list[bytes]:
        header = struct.pack(">IIBBBBB", len(self.pixels), 1, self.depth, self.colour_type, 0, 0, 0)
        chunks = [images.png_chunk(b"IHDR", header)]
        if self.palette:
            chunks.append(images.png_chunk(b"PLTE", b"".join(bytes(c) for c in self.palette)))
        if self.trns is not None:
            chunks.append(images.png_chunk(b"tRNS", self.trns))
        return chunks

    def pixel_data(self) -> bytes:
        return zlib.compress(b"\x00" + _pack([s for p in self.pixels for s in p], self.depth))

    def meaning(self) -> list[Rgba]:
        """Each pixel as RGBA on 0..255, read by the PNG specification and the scaling rule."""
        return [self._rgba(pixel) for pixel in self.pixels]

    def _rgba(self, pixel: Pixel) -> Rgba:
        if self.colour_type == PALETTE:
            alphas = self.trns or b""
            alpha = alphas[pixel[0]] if pixel[0] < len(alphas) else 255
            return (*self.palette[pixel[0]], alpha)
        if self.colour_type in (GREY, RGB):
            samples = struct.unpack(f">{len(pixel)}H", self.trns) if self.trns else None
            key = tuple(s & ((1 << self.depth) - 1) for s in samples) if samples else None
            colour, alpha = pixel, 0 if pixel == key else (1 << self.depth) - 1
        else:
            colour, alpha = pixel[:-1], pixel[-1]
        r, g, b = [_to_8_bits(s, self.depth) for s in colour] * (3 // len(colour))
        return (r, g, b, _to_8_bits(alpha, self.depth))


def _file(header: list[bytes], body: list[bytes]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join([*header, *body, images.png_chunk(b"IEND", b"")])


def apng(first: Png, second: Png) -> bytes:
    """Two frames of one row each, each shown for 100 ms, with the first frame's header."""

    def control(sequence: int) -> bytes:
        fields = struct.pack(">IIIIIHHBB", sequence, len(first.pixels), 1, 0, 0, 1, 10, 0, 0)
        return images.png_chunk(b"fcTL", fields)

    animation = images.png_chunk(b"acTL", struct.pack(">II", 2, 0))
    return _file(
        [*first.header_chunks(), animation],
        [
            control(0),
            images.png_chunk(b"IDAT", first.pixel_data()),
            control(1),
            images.png_chunk(b"fdAT", struct.pack(">I", 2) + second.pixel_data()),
        ],
    )


def _pack(samples: Sequence[int], depth: int) -> bytes:
    if depth == 16:
        return struct.pack(f">{len(samples)}H", *samples)
    if depth == 8:
        return bytes(samples)
    bits = "".join(format(sample, f"0{depth}b") for sample in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[at : at + 8], 2) for at in range(0, len(bits), 8))


def _to_8_bits(sample: int, depth: int) -> int:
    return sample >> 8 if depth == 16 else sample * 255 // ((1 << depth) - 1)


def _key(*samples: int) -> bytes:
    return struct.pack(f">{len(samples)}H", *samples)


def _grey(depth: int, key: int, values: Sequence[int]) -> Png:
    return Png(depth, GREY, [(v,) for v in values], _key(key))


def _grey16(key: int) -> Png:
    """The key among values next to it or sharing its high byte, and those its scaled or unscaled
    value would name."""
    near = [key - 1, key + 1, key ^ 0xFF, key & 0xFF00, key | 0xFF, key << 8, key >> 8, 0, 65535]
    return _grey(16, key, sorted({key, *(v for v in near if 0 <= v < 2**16)}))


def _rgb16(key: Pixel) -> Png:
    """The key among colours a high-byte step from it, and the colour its unscaled value names."""

    def step(channel: int) -> Pixel:
        return tuple((s + 256) % 2**16 if c == channel else s for c, s in enumerate(key))

    named = tuple(s << 8 & 0xFFFF for s in key)  # what the key read as 8-bit values would match
    return Png(16, RGB, [key, step(0), step(1), step(2), named, (65535, 0, 32896), key], _key(*key))


PALETTE_COLOURS = [(200, 10, 10), (10, 200, 10), (10, 10, 200), (250, 250, 0)]
EVERY_INDEX = [(0,), (1,), (2,), (3,), (1,), (0,)]

CASES = {
    "1-bit grey": _grey(1, 1, [0, 1, 1, 0, 0, 1, 0, 1, 1]),
    "1-bit grey, black clear": _grey(1, 0, [0, 1, 1, 0, 0, 1, 0, 1, 1]),
    "2-bit grey": _grey(2, 3, [0, 1, 2, 3, 3, 2]),
    "4-bit grey": _grey(4, 7, list(range(16))),
    "8-bit grey": _grey(8, 128, [0, 127, 128, 129, 255, 128]),
    "16-bit grey": _grey16(1001),
    "16-bit grey, key under 256": _grey16(200),
    "16-bit grey, key 0": _grey16(0),
    "16-bit grey, key 65535": _grey16(65535),
    "16-bit grey, key 32768": _grey16(32768),
    "8-bit RGB": Png(
        8,
        RGB,
        [(10, 20, 30), (10, 20, 31), (11, 20, 30), (0, 0, 0), (10, 20, 30)],
        _key(10, 20, 30),
    ),
    "16-bit RGB": _rgb16((1000, 2000, 3000)),
    "16-bit RGB, key under 256": _rgb16((0, 0, 200)),
    "palette, one clear entry": Png(8, PALETTE, EVERY_INDEX, b"\xff\x00", PALETTE_COLOURS),
    "palette, several alphas": Png(8, PALETTE, EVERY_INDEX, b"\x00\x80\xff\x00", PALETTE_COLOURS),
    "2-bit palette, short tRNS": Png(2, PALETTE, EVERY_INDEX, b"\x40", PALETTE_COLOURS),
    "grey and alpha": Png(8, GREY_ALPHA, [(0, 0), (50, 255), (200, 128), (255, 1)]),
    "16-bit grey and alpha": Png(
        16, GREY_ALPHA, [(0, 0), (1000, 65535), (51200, 32768), (65535, 255), (300, 256)]
    ),
    "RGBA": Png(8, RGBA, [(1, 2, 3, 0), (200, 100, 50, 255), (9, 99, 199, 77)]),
    "16-bit RGBA": Png(16, RGBA, [(1, 2, 3, 0), (51200, 25600, 12800, 65535), (9, 999, 1999, 300)]),
    # Colours wider than the bit depth, as some encoders write them: masked, they name a pixel.
    "1-bit grey, key 255 (Pillow's 1_trns.png)": _grey(1, 0x00FF, [0, 1, 1, 0, 0, 1]),
    "1-bit grey, key 2": _grey(1, 0x0002, [0, 1, 1, 0, 0, 1]),
    "2-bit grey, key wider": _grey(2, 0x0106, [0, 1, 2, 3, 3, 2]),
    "4-bit grey, key wider": _grey(4, 0xFFF7, list(range(16))),
    "8-bit grey, key wider": _grey(8, 0x0180, [0, 127, 128, 129, 255, 128]),
    "8-bit RGB, key wider": Png(
        8, RGB, [(10, 20, 30), (10, 20, 31), (1, 2, 3), (10, 20, 30)], _key(0x010A, 0xFF14, 0x801E)
    ),
}

APNG_MODES = [
    "16-bit grey",
    "8-bit RGB",
    "16-bit RGB",
    "palette, several alphas",
    "2-bit grey",
    "2-bit grey, key wider",
]


def stored(data: bytes) -> list[Rgba]:
    """The stored image's pixels as RGBA."""
    return stored_frames(data)[0]


def stored_frames(data: bytes) -> list[list[Rgba]]:
    """The pixels of each stored frame as RGBA."""
    image = images.decode(PillowCodec().encode(data, BOX, LIMITS).data)
    assert image.format == "PNG"
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(list(image.convert("RGBA").get_flattened_data()))
    return frames  # type: ignore[return-value]


def mismatches(meant: Sequence[Rgba], got: Sequence[Rgba]) -> list[tuple[int, Rgba, Rgba]]:
    """Pixels stored otherwise than meant: clear ones by their alpha, others by every channel."""
    assert len(meant) == len(got)
    return [
        (x, want, have)
        for x, (want, have) in enumerate(zip(meant, got, strict=True))
        if (have[3] != 0 if want[3] == 0 else have != want)
    ]


# --- The specifications --------------------------------------------------------------------------


@pytest.mark.parametrize("png", CASES.values(), ids=CASES.keys())
def test_every_png_mode_is_stored_as_its_pixels_mean(png: Png) -> None:
    """Each pixel is clear where the input's is, and otherwise has the input's colour and alpha."""
    assert mismatches(png.meaning(), stored(png.data())) == []


@pytest.mark.parametrize("key", [0, 200, 1001, 32768, 65280, 65535])
def test_a_16_bit_grey_transparent_value_clears_that_value_alone(key: int) -> None:
    """Only pixels of exactly the tRNS value are clear; its neighbours in 16 bits stay opaque."""
    png = _grey16(key)
    alphas = [pixel[3] for pixel in stored(png.data())]
    assert alphas == [0 if value == (key,) else 255 for value in png.pixels]


@pytest.mark.xfail(
    strict=True,
    reason="Pillow decodes 16-bit RGB to its high bytes: a colour differing from the tRNS colour "
    "only in its low bytes cannot be told from it, and is stored clear too",
)
def test_a_16_bit_rgb_transparent_colour_clears_that_colour_alone() -> None:
    """A 16-bit colour one low-byte step from the tRNS colour stays opaque."""
    key = (1000, 2000, 3000)
    png = Png(16, RGB, [key, (1001, 2000, 3000), (1000, 2000, 2999)], _key(*key))
    assert mismatches(png.meaning(), stored(png.data())) == []


@pytest.mark.parametrize("png", [CASES["8-bit grey"], CASES["16-bit grey"]], ids=["8", "16"])
def test_grey_with_a_transparent_value_is_stored_with_alpha(png: Png) -> None:
    """Grey with a tRNS value gains an alpha channel in the stored file."""
    image = images.decode(PillowCodec().encode(png.data(), BOX, LIMITS).data)
    assert image.mode in ("LA", "RGBA")


@pytest.mark.parametrize("png", [CASES[mode] for mode in APNG_MODES], ids=APNG_MODES)
def test_every_frame_of_an_animated_png_keeps_its_transparency(png: Png) -> None:
    """Each frame of an APNG is stored as its pixels mean, as a still would be."""
    backwards = attrs.evolve(png, pixels=png.pixels[::-1])
    frames = stored_frames(apng(png, backwards))
    assert len(frames) == 2
    assert mismatches(png.meaning(), frames[0]) == []
    assert mismatches(backwards.meaning(), frames[1]) == []


@pytest.mark.parametrize(
    ("png", "clear"),
    [
        (CASES["1-bit grey, key 255 (Pillow's 1_trns.png)"], [1, 2, 5]),
        (CASES["1-bit grey, key 2"], [0, 3, 4]),  # Pillow alone would clear the white ones
        (CASES["2-bit grey, key wider"], [2, 5]),
        (CASES["4-bit grey, key wider"], [7]),
        (CASES["8-bit grey, key wider"], [2, 5]),
        (CASES["8-bit RGB, key wider"], [0, 3]),
    ],
    ids=["1-bit, 255", "1-bit, 2", "2-bit", "4-bit", "8-bit", "8-bit RGB"],
)
def test_a_transparent_colour_wider_than_the_bit_depth_clears_its_masked_value(
    png: Png, clear: list[int]
) -> None:
    """The pixels equal to the tRNS colour masked to the bit depth are clear, and only they, as
    libpng shows them (the specification has decoders mask the other bits to 0)."""
    alphas = [pixel[3] for pixel in stored(png.data())]
    assert alphas == [0 if x in clear else 255 for x in range(len(png.pixels))]


@pytest.mark.parametrize("mode", ["8-bit grey", "8-bit RGB", "palette, several alphas"])
def test_a_transparency_chunk_failing_its_checksum_is_dropped(mode: str) -> None:
    """libpng drops a tRNS whose checksum does not match and shows the rest: every pixel is
    stored opaque, in its own colour."""
    png = CASES[mode]
    broken = checksum_broken(png.data(), b"tRNS")
    assert mismatches(attrs.evolve(png, trns=None).meaning(), stored(broken)) == []
