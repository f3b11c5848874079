"""Naming what an upload is when no accepted decoder takes it, so the refusal can say so.

Everything here reads headers: nothing is decoded and no decoder runs. Every function takes any
bytes (truncated, hostile) and answers without raising, reading each byte at most a few times.

A format is named only from a signature or a header that a non-image will not have by chance.
TGA is the exception to take care with: a version 2 file ends with a "TRUEVISION-XFILE.\\0"
footer, but a version 1 file has no magic at all. One is named only when its whole 18-byte
header agrees with itself (a known image type with the colour map and pixel depth that type
needs, empty colour-map fields when it has none, a non-zero size, no interleaving) and the file
is long enough for the pixels it declares; anything less is "not an image".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from imagecore.errors import InvalidImage, UnsupportedImageType

#: Signatures that name a file by themselves: (offset, bytes, name).
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "PDF"),
    (0, b"PK\x03\x04", "ZIP"),
    (0, b"PK\x05\x06", "ZIP"),  # an empty archive
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"II+\x00", "TIFF"),  # BigTIFF
    (0, b"MM\x00+", "TIFF"),
    (0, b"8BPS", "PSD"),  # PSB (large documents) too
    (0, b"%!PS", "PostScript"),  # EPS too
    (0, b"\xc5\xd0\xd3\xc6", "EPS"),  # with a TIFF or WMF preview
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),  # JP2 and JPX files
    (0, b"\xff\x4f\xff\x51", "JPEG 2000"),  # a bare codestream: SOC, then SIZ
    (0, b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (0, b"\xff\x0a", "JPEG XL"),  # a bare codestream
    (0, b"farbfeld", "Farbfeld"),
    (0, b"DDS \x7c\x00\x00\x00", "DDS"),  # the magic, then the header's size: 124
    (0, b"v/1\x01", "OpenEXR"),
    (0, b"#?RADIANCE\n", "Radiance HDR"),
    (0, b"#?RGBE\n", "Radiance HDR"),
    (0, b"gimp xcf ", "GIMP XCF"),
)

#: ISO media brands (in an ``ftyp`` box) that say what a file holds.
_BRANDS: dict[bytes, str] = {
    b"avif": "AVIF",
    b"avis": "AVIF image sequence",
    b"avio": "AVIF image sequence",  # one of intra frames only
    b"heic": "HEIC",
    b"heix": "HEIC",  # 10-bit, or range extensions
    b"heim": "HEIC",  # multiview
    b"heis": "HEIC",  # scalable: layers of one still, not a sequence
    b"hevc": "HEIC image sequence",
    b"hevx": "HEIC image sequence",
    b"hevm": "HEIC image sequence",
    b"hevs": "HEIC image sequence",
}
#: Brands any HEIF file may carry besides its codec's: they name it only when none of those does.
_GENERIC_BRANDS: dict[bytes, str] = {
    b"mif1": "HEIF",
    b"mif2": "HEIF",
    b"miaf": "HEIF",
    b"msf1": "HEIF image sequence",
}
_MAX_BRANDS = 64

#: JPEG markers that begin a frame header (SOF0-3, 5-7, 9-11, 13-15 and the hierarchical DHP),
#: whose first byte after the length is the sample precision.
_FRAME_MARKERS = frozenset({*range(0xC0, 0xD0), 0xDE}) - {0xC4, 0xC8, 0xCC}
#: JPEG markers with no length after them: TEM, RST0-7 and SOI (0x00 is an escaped 0xFF).
_STANDALONE_MARKERS = frozenset({0x00, 0x01, *range(0xD0, 0xD9)})
_END_OF_IMAGE, _START_OF_SCAN = 0xD9, 0xDA

_NETPBM: dict[bytes, str] = {
    b"P1": "PBM",
    b"P4": "PBM",
    b"P2": "PGM",
    b"P5": "PGM",
    b"P3": "PPM",
    b"P6": "PPM",
    b"PF": "PFM",
    b"Pf": "PFM",
    b"P7": "PAM",
}
_GAP = rb"(?:\s|#[^\r\n]*[\r\n])+"  # whitespace and comment lines
#: After the magic: a width and a height, or in a PAM a header line.
_NETPBM_HEADER = re.compile(
    rb"P[1-6Ff]" + _GAP + rb"\d+" + _GAP + rb"\d"
    rb"|P7" + _GAP + rb"(?:WIDTH|HEIGHT|DEPTH|MAXVAL|TUPLTYPE|ENDHDR)\s"
)

#: Sizes of the BMP headers that follow the 14-byte file header (OS/2 1.x and 2.x, Windows v1-v5).
_BMP_INFO_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})

_TGA_FOOTER = b"TRUEVISION-XFILE.\x00"
#: TGA image type -> (the colour-map type it needs, the pixel depths it may have).
_TGA_TYPES: dict[int, tuple[int, frozenset[int]]] = {
    1: (1, frozenset({8})),  # colour-mapped
    2: (0, frozenset({15, 16, 24, 32})),  # true colour
    3: (0, frozenset({8, 16})),  # greyscale
    9: (1, frozenset({8})),  # the same three, run-length encoded
    10: (0, frozenset({15, 16, 24, 32})),
    11: (0, frozenset({8, 16})),
}

_UTF8_BOM = b"\xef\xbb\xbf"
#: The first element's name (after any XML declaration, comments and doctype), namespace aside.
_FIRST_ELEMENT = re.compile(rb"<(?:[a-z][\w.-]*:)?([a-z][\w.-]*)")
_MARKUP = {b"svg": "SVG", b"html": "HTML"}


def refusal(data: bytes, accepted: Sequence[str]) -> InvalidImage | UnsupportedImageType:
    """The error for bytes none of the accepted decoders would open."""
    for offset, signature, kind in _SIGNATURES:
        if data.startswith(signature, offset):
            return UnsupportedImageType(kind, accepted)
    for recognise in _RECOGNISERS:
        if (named := recognise(data)) is not None:
            return UnsupportedImageType(named, accepted)
    return InvalidImage("not an image", accepted)


_MAX_SEGMENTS = 1000


def jpeg_precision(data: bytes) -> int | None:
    """The bits per sample of a JPEG (8 in nearly all; 12 or 16 in medical and some camera
    files), from its first frame header; ``None`` when the bytes are no JPEG or have no frame
    header before the first scan."""
    if not data.startswith(b"\xff\xd8"):
        return None
    at, end = 2, len(data)
    # A real JPEG reaches its frame header within a few dozen segments; a file of nothing but
    # markers must not hold a decode slot while Python walks them one by one.
    for _ in range(_MAX_SEGMENTS):
        at = data.find(b"\xff", at)  # bytes between segments are junk, skipped as Pillow does
        if at < 0:
            return None
        while at < end and data[at] == 0xFF:  # fill bytes
            at += 1
        if at >= end:
            return None
        marker = data[at]
        at += 1
        if marker in _STANDALONE_MARKERS:
            continue
        if marker in (_END_OF_IMAGE, _START_OF_SCAN) or at + 3 > end:
            return None
        if marker in _FRAME_MARKERS:
            return data[at + 2]  # after the two bytes of the segment's length
        length = int.from_bytes(data[at : at + 2], "big")
        if length < 2:
            return None
        at += length
    return None


def _jpeg_variant(data: bytes) -> str | None:
    # JPEG allows 2 to 16 bits (over 8 only 12, unless lossless); other values are no JPEG.
    bits = jpeg_precision(data)
    return f"{bits}-bit JPEG" if bits is not None and bits != 8 and 2 <= bits <= 16 else None


def _iso_media(data: bytes) -> str | None:
    # An ftyp box: size, "ftyp", the major brand, a minor version, then compatible brands.
    if data[4:8] != b"ftyp" or len(data) < 12:
        return None
    end = min(int.from_bytes(data[:4], "big"), len(data), 16 + 4 * _MAX_BRANDS)
    brands = [data[8:12], *(data[at : at + 4] for at in range(16, end - 3, 4))]
    for table in (_BRANDS, _GENERIC_BRANDS):
        for brand in brands:
            if brand in table:
                return table[brand]
    return None


def _netpbm(data: bytes) -> str | None:
    if data[:2] in _NETPBM and _NETPBM_HEADER.match(data, 0, 1024):
        return _NETPBM[data[:2]]
    return None


def _bmp(data: bytes) -> str | None:
    if data.startswith(b"BM") and int.from_bytes(data[14:18], "little") in _BMP_INFO_SIZES:
        return "BMP"
    return None


def _icon(data: bytes) -> str | None:
    # A directory (reserved 0, type 1 or 2, at least one entry) and its first entry's reserved 0.
    kind = {b"\x00\x00\x01\x00": "ICO", b"\x00\x00\x02\x00": "CUR"}.get(data[:4])
    if kind is None or len(data) < 22 or data[4:6] == b"\x00\x00" or data[9] != 0:
        return None
    return kind


def _qoi(data: bytes) -> str | None:
    # "qoif", width, height, then 3 or 4 channels and colour space 0 or 1.
    if data.startswith(b"qoif") and len(data) >= 14 and data[12] in (3, 4) and data[13] in (0, 1):
        return "QOI"
    return None


def _pcx(data: bytes) -> str | None:
    # 0x0A, a version, RLE, bits per pixel, a window whose corners are in order, a reserved 0,
    # and a plane count, in a 128-byte header.
    if len(data) < 128 or data[0] != 0x0A or data[1] not in (0, 2, 3, 4, 5) or data[2] != 1:
        return None
    if data[3] not in (1, 2, 4, 8) or data[64] != 0 or data[65] not in (1, 3, 4):
        return None
    x0, y0, x1, y1 = (int.from_bytes(data[at : at + 2], "little") for at in (4, 6, 8, 10))
    return "PCX" if x0 <= x1 and y0 <= y1 else None


def _markup(data: bytes) -> str | None:
    text = data[:4096].removeprefix(_UTF8_BOM).lstrip().lower()
    if not text.startswith(b"<"):
        return None
    if text.startswith(b"<!doctype html"):
        return "HTML"
    element = _FIRST_ELEMENT.search(text)
    return None if element is None else _MARKUP.get(element.group(1))


def _tga(data: bytes) -> str | None:
    if data.endswith(_TGA_FOOTER):
        return "TGA"
    if len(data) < 18:
        return None
    id_length, map_type, image_type = data[0], data[1], data[2]
    map_length, map_depth = int.from_bytes(data[5:7], "little"), data[7]
    width, height = int.from_bytes(data[12:14], "little"), int.from_bytes(data[14:16], "little")
    depth, descriptor = data[16], data[17]
    expected = _TGA_TYPES.get(image_type)
    if expected is None or map_type != expected[0] or depth not in expected[1]:
        return None
    if map_type == 0 and data[3:8] != bytes(5):
        return None
    if map_type == 1 and (map_length == 0 or map_depth not in (15, 16, 24, 32)):
        return None
    if width == 0 or height == 0 or descriptor & 0xC0 or (descriptor & 0x0F) > 8:
        return None
    size = (depth + 7) // 8
    pixels = width * height
    # Uncompressed: every pixel; run-length encoded: at least one packet per 128 pixels.
    least = pixels * size if image_type < 8 else -(-pixels // 128) * (1 + size)
    start = 18 + id_length + map_length * ((map_depth + 7) // 8)
    return "TGA" if len(data) >= start + least else None


#: Recognisers of formats a fixed signature cannot name, in the order they are tried; TGA (by
#: its header, when it has no footer) comes last.
_RECOGNISERS: tuple[Callable[[bytes], str | None], ...] = (
    _iso_media,
    _jpeg_variant,
    _netpbm,
    _bmp,
    _icon,
    _qoi,
    _pcx,
    _markup,
    _tga,
)
