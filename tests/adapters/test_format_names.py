"""Formats named from their headers beyond the common ones: animations (FLI, FLC), old and
niche rasters (SGI, BLP, XPM, XBM, WBMP, ICNS, FITS, IM, MSP, PCD), metafiles (EMF, WMF) and
the compact AVIF and HEIF layout; near misses of each stay "not an image"."""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from functools import reduce
from operator import xor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import ACCEPTED, PillowCodec
from imagecore.adapters.pillow_codec.sniff import refusal
from imagecore.rejections import InvalidImage, UnsupportedImageType
from tests import images

BOX = Box(800, 800)
LIMITS = ImageLimits()


@pytest.fixture
def codec() -> PillowCodec:
    return PillowCodec()


def flic(magic: int) -> bytes:
    """An FLI (0xAF11) or FLC (0xAF12) animation: the 128-byte header, then one empty frame."""
    frame = struct.pack("<IHH", 16, 0xF1FA, 0) + bytes(8)
    flags, speed = (0, 5) if magic == 0xAF11 else (3, 70)  # FLC: "properly finished"; in ms
    header = struct.pack("<IHHHHHHI", 128 + len(frame), magic, 1, 320, 200, 8, flags, speed)
    header += bytes(60) + struct.pack("<II", 128, 128 + len(frame))  # the frames' offsets, at 80
    return header.ljust(128, b"\x00") + frame


XPM = (
    b"/* XPM */\nstatic char *smile[] = {\n/* columns rows colors chars-per-pixel */\n"
    b'"2 2 2 1 ",\n"  c None",\n". c #FF0000",\n/* pixels */\n" .",\n". "\n};\n'
)


def multi_byte(value: int) -> bytes:
    """A WBMP integer: 7 bits a byte, the high bit set on all but the last."""
    groups = [value & 0x7F]
    while value := value >> 7:
        groups.append(value & 0x7F | 0x80)
    return bytes(reversed(groups))


def wbmp(width: int = 160, height: int = 12) -> bytes:
    """A WBMP: type 0, fixed header 0, the sizes, then rows padded to whole bytes."""
    return b"\x00\x00" + multi_byte(width) + multi_byte(height) + bytes(height * -(-width // 8))


def fits(simple: str = "T") -> bytes:
    """A FITS file: 80-character cards (values right-aligned to column 30) in a 2880-byte block,
    then the pixels in another."""
    cards = [("SIMPLE", simple), ("BITPIX", "8"), ("NAXIS", "2"), ("NAXIS1", "12"), ("NAXIS2", "8")]
    header = b"".join(f"{key:<8}= {value:>20}".ljust(80).encode() for key, value in cards)
    return (header + b"END".ljust(80)).ljust(2880) + bytes(12 * 8).ljust(2880, b"\x00")


def emf() -> bytes:
    """An EMF: its 88-byte header record (" EMF" at 40), then the end-of-file record."""
    end = struct.pack("<IIIII", 14, 20, 0, 16, 20)
    header = struct.pack(
        "<II4i4iIIIIHHIIIii",
        *(1, 88),
        *(0, 0, 99, 99),
        *(0, 0, 2645, 2645),
        *(0x464D4520, 0x10000, 88 + len(end), 2, 1, 0, 0, 0, 0, 1920, 1080),
    )
    return header + struct.pack("<ii", 508, 286) + end


def wmf(*, placeable: bool) -> bytes:
    """A WMF: the metafile header (on disk, 9 words, version 3) and the end record; behind the
    22-byte placeable header (its key, a box, the units per inch, a checksum) if asked."""
    body = struct.pack("<HHHIHIH", 1, 9, 0x0300, 12, 0, 3, 0) + struct.pack("<IH", 3, 0)
    if not placeable:
        return body
    fields = struct.pack("<IH4hHI", 0x9AC6CDD7, 0, 0, 0, 100, 100, 1440, 0)
    checksum = reduce(xor, struct.unpack("<10H", fields), 0)
    return fields + struct.pack("<H", checksum) + body


def msp(checksum_ok: bool = True) -> bytes:
    """A Microsoft Paint file as Pillow writes it; with its checksum zeroed if asked."""
    data = bytearray(images.encode(images.two_colours("1"), "MSP"))
    if not checksum_ok:
        data[24:26] = bytes(2)
    return bytes(data)


def im_file() -> bytes:
    """An IM file as Pillow writes it (its writer is deprecated, so by hand): "Key: value" lines,
    NULs up to byte 511, a ^Z, then the pixels."""
    header = (
        b"Image type: RGB image\r\nName: photo.im\r\nImage size (x*y): 12*8\r\n"
        b"File size (no of images): 1\r\n"
    )
    return header.ljust(511, b"\x00") + b"\x1a" + images.two_colours().tobytes()


#: A Photo CD image pack: a first sector, the pack's header, and (not here) the pictures.
PCD = bytes(2048) + b"PCD_IPI" + bytes(2048 - 7)


def compact(codec_brand: bytes, *, major: bytes = b"mif3", brands: bytes = b"") -> bytes:
    """A compact HEIF file: an ftyp box of the mif3 brand whose minor version is the codec's
    brand (or of another ``major`` brand, with mif3 among ``brands``), then a mini box (version
    0, then the image's coding, which nothing here reads)."""
    ftyp = major + codec_brand + brands
    mini = b"\x08\x08\x1f\x3e\x08\x01\x14\x81" + bytes(24)
    return (
        struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp
        + struct.pack(">I", 8 + len(mini)) + b"mini" + mini
    )  # fmt: skip


def tga_version_1(image: Image.Image, **options: object) -> bytes:
    """A TGA as Pillow writes it, without the version 2 footer: nothing but a header and pixels."""
    data = images.encode(image, "TGA", **options)
    assert data.endswith(b"TRUEVISION-XFILE.\x00")
    return data[:-26]


def tga_with_unused_colour_map(image: Image.Image | None = None, map_depth: int = 24) -> bytes:
    """A true-colour (or, from an "L" picture, greyscale) TGA of version 1 carrying a colour map
    its pixels do not use, as the specification allows: 16 entries of ``map_depth`` bits."""
    image = image or images.two_colours()
    grey = image.mode == "L"
    kind, depth, raw = (3, 8, "L") if grey else (2, 24, "BGR")
    header = struct.pack("<BBBHHBHHHHBB", 0, 1, kind, 0, 16, map_depth, 0, 0, *image.size, depth, 0)
    return header + bytes(16 * ((map_depth + 7) // 8)) + image.tobytes("raw", raw)


#: id -> (the bytes, what the refusal must name them).
NAMED: dict[str, tuple[Callable[[], bytes], str]] = {
    "FLI": (lambda: flic(0xAF11), "FLI"),
    "FLC": (lambda: flic(0xAF12), "FLC"),
    "SGI": (lambda: images.encode(images.two_colours(), "SGI"), "SGI"),
    "SGI, greyscale": (lambda: images.encode(images.two_colours("L"), "SGI"), "SGI"),
    "BLP2": (lambda: images.encode(images.two_colours("P"), "BLP"), "BLP"),
    "BLP1": (lambda: images.encode(images.two_colours("P"), "BLP", blp_version="BLP1"), "BLP"),
    "XPM": (lambda: XPM, "XPM"),
    "XBM": (lambda: images.encode(images.two_colours("1"), "XBM"), "XBM"),
    "XBM with a hot spot": (
        lambda: images.encode(images.two_colours("1"), "XBM", hotspot=(2, 3)),
        "XBM",
    ),
    "WBMP": (wbmp, "WBMP"),
    "WBMP, 1 by 1": (lambda: wbmp(1, 1), "WBMP"),
    "ICNS": (lambda: images.encode(images.two_colours(size=(16, 16)), "ICNS"), "ICNS"),
    "FITS": (fits, "FITS"),
    "EMF": (emf, "EMF"),
    "WMF": (lambda: wmf(placeable=False), "WMF"),
    "WMF, placeable": (lambda: wmf(placeable=True), "WMF"),
    "IM": (im_file, "IM"),
    "MSP": (msp, "MSP"),
    "PCD": (lambda: PCD, "PCD"),
    "compact AVIF": (lambda: compact(b"avif"), "compact AVIF"),
    "compact HEIC": (lambda: compact(b"heic"), "compact HEIC"),
    "compact HEIC, 10-bit": (lambda: compact(b"heix"), "compact HEIC"),
    "compact HEIF of no codec brand": (lambda: compact(bytes(4)), "compact HEIF"),
    "compact AVIF, mif3 among the brands": (
        lambda: compact(bytes(4), major=b"avif", brands=b"mif3avif"),
        "compact AVIF",
    ),
    "TGA version 1, bilevel": (lambda: tga_version_1(images.two_colours("1")), "TGA"),
    "TGA version 1, true colour with an unused colour map": (tga_with_unused_colour_map, "TGA"),
    "TGA version 1, greyscale with an unused colour map": (
        lambda: tga_with_unused_colour_map(images.two_colours("L")),
        "TGA",
    ),
}


@pytest.mark.parametrize(("make", "detected"), NAMED.values(), ids=NAMED.keys())
def test_a_format_is_refused_by_the_name_its_header_gives(
    codec: PillowCodec, make: Callable[[], bytes], detected: str
) -> None:
    """A file of a format we do not accept is refused with the name its header gives, and our
    list."""
    with pytest.raises(UnsupportedImageType) as refused:
        codec.encode(make(), BOX, LIMITS)
    assert (refused.value.detected, refused.value.accepted) == (detected, ACCEPTED)


def test_a_mini_box_without_the_mif3_brand_is_not_compact(codec: PillowCodec) -> None:
    """A mini box in a file whose brands do not include mif3 is no compact file: named AVIF by
    its brand, it is one of ours with a header no decoder takes, so damaged."""
    with pytest.raises(InvalidImage, match="damaged"):
        codec.encode(compact(bytes(4), major=b"avif", brands=b"mif1avif"), BOX, LIMITS)


def changed(data: bytes, at: int, new: bytes) -> bytes:
    """``data`` with ``new`` written over it at ``at``."""
    return data[:at] + new + data[at + len(new) :]


#: id -> bytes that look like one of these formats at a glance, and are not.
NEAR_MISSES: dict[str, bytes] = {
    "FLI magic in a header whose reserved fields are not zero": changed(flic(0xAF11), 100, b"x"),
    "FLI magic with unknown flags": changed(flic(0xAF11), 14, b"\x07\x00"),
    "an FLC header cut before its end": flic(0xAF12)[:100],
    "SGI magic, then RLE storage of 3 bytes a channel": changed(
        images.encode(images.two_colours(), "SGI"), 2, b"\x01\x03"
    ),
    "SGI magic with 4 dimensions": changed(
        images.encode(images.two_colours(), "SGI"), 4, b"\x00\x04"
    ),
    "an SGI header cut short": images.encode(images.two_colours(), "SGI")[:511],
    "text that starts with BLP2": b"BLP2 is the texture format of a game; here are my notes.\n",
    "BLP1 with an unknown compression": changed(
        images.encode(images.two_colours("P"), "BLP", blp_version="BLP1"), 4, b"\x07"
    ),
    "text that starts with icns": b"icns are Apple icons; this is a list of them\n" * 3,
    "a SIMPLE keyword in prose": b"SIMPLE  = true, as the FITS primer says." + b" " * 80,
    "a FITS card that is not true": fits(simple="F"),
    "an EMF record without the signature": changed(emf(), 40, b"XEMF"),
    "a placeable WMF key and nothing more": wmf(placeable=True)[:22],
    "an MSP whose checksum is wrong": msp(checksum_ok=False),
    "text that starts like an IM header": b"Image type: holiday photo\nplease print it\n",
    "an IM header with no ^Z": im_file().replace(b"\x1a", b"\x00"),
    "the XPM comment in prose": b"/* XPM */ is how an XPM file starts.\n",
    "a C header defining a width and a height": b"#define win_width 8\n#define win_height 8\n",
    "WBMP-like bytes one byte too long": wbmp() + b"\x00",
    "WBMP-like bytes one row short": wbmp()[:-20],
    "WBMP-like bytes of zero width": b"\x00\x00\x00\x01" + bytes(1),
    "WBMP-like bytes with extension headers": changed(wbmp(), 1, b"\x80"),
    "WBMP-like bytes with a padded width": b"\x00\x00\x80\x01\x01\x00",
    "PCD_IPI a byte too early": bytes(2047) + b"PCD_IPI" + bytes(2049),
    "ftyp mif3 with a meta box instead of mini": compact(b"avif").replace(b"mini", b"meta"),
    "TGA with an unused colour map of 8-bit entries": tga_with_unused_colour_map(map_depth=8),
    "TGA with colour-map type 2": changed(tga_with_unused_colour_map(), 1, b"\x02"),
    "TGA, bilevel, run-length encoded": changed(tga_version_1(images.two_colours("1")), 2, b"\x0b"),
    "TGA, bilevel, with half its rows": tga_version_1(images.two_colours("1"))[:-8],
}


@pytest.mark.parametrize("data", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_a_near_miss_is_not_an_image(codec: PillowCodec, data: bytes) -> None:
    """Bytes with a format's magic but a header that does not hold together are "not an image":
    a wrong name would be worse."""
    with pytest.raises(InvalidImage) as refused:
        codec.encode(data, BOX, LIMITS)
    assert (refused.value.reason, refused.value.accepted) == ("not an image", ACCEPTED)


@pytest.mark.parametrize(("make", "detected"), NAMED.values(), ids=NAMED.keys())
def test_every_cut_of_a_named_file_keeps_its_name_or_loses_it(
    make: Callable[[], bytes], detected: str
) -> None:
    """A file cut anywhere is named as the whole file is, or is "not an image": never as
    something else (a compact file cut before its mini box goes by its brands, as any HEIF)."""
    data = make()
    names = {detected, detected.removeprefix("compact ")}
    for end in range(0, len(data), max(1, len(data) // 300)):
        refused = refusal(data[:end], ACCEPTED)
        assert not isinstance(refused, UnsupportedImageType) or refused.detected in names


#: The first bytes of each format named here, behind which the fuzzing puts anything.
MAGICS = [
    b"\x00\x00",
    b"\x00\x00\x81",
    b"\x01\xda\x00\x01",
    b"BLP1",
    b"BLP2\x01\x00\x00\x00\x01",
    b"icns",
    b"SIMPLE  = " + b" " * 19 + b"T",
    b"\x01\x00\x00\x00",
    b"\xd7\xcd\xc6\x9a\x00\x00",
    b"\x01\x00\x09\x00\x00\x03",
    b"DanM",
    b"Image type: ",
    b"/* XPM */",
    b"#define x_width 1\n#define x_height 1\n",
    b"\x00\x01\x02\x00",
    b"\x00\x00\x03\x00",
    b"\x00\x00\x00\x10ftypmif3avif",
]


@settings(derandomize=True, max_examples=500, deadline=None)
@given(magic=st.sampled_from(MAGICS), rest=st.binary(max_size=600))
def test_sniffing_any_bytes_behind_a_magic_never_raises(magic: bytes, rest: bytes) -> None:
    """Whatever follows a format's first bytes, the refusal is an answer, not an exception."""
    assert isinstance(refusal(magic + rest, ACCEPTED), InvalidImage | UnsupportedImageType)


@settings(derandomize=True, max_examples=500, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(0, 3000),
    # Behind a WBMP's two zero bytes, random rows of just the right length are a WBMP indeed.
    prefix=st.sampled_from([magic for magic in MAGICS if magic[:2] != b"\x00\x00"]),
)
def test_random_bytes_are_never_taken_for_a_format_without_magic(
    seed: int, size: int, prefix: bytes
) -> None:
    """Uniformly random bytes, alone or behind another format's first bytes, are never named
    WBMP or TGA: those two have no magic, so only a header that holds together names them."""
    noise = random.Random(seed).randbytes(size)
    for data in (noise, prefix + noise):
        refused = refusal(data, ACCEPTED)
        assert not isinstance(refused, UnsupportedImageType) or refused.detected not in (
            "WBMP",
            "TGA",
        )
