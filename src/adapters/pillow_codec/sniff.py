"""Naming what an upload is when no accepted decoder takes it, so the refusal can say so.

Everything here reads headers: nothing is decoded and no decoder runs. Every function takes any
bytes (truncated, hostile) and answers without raising, reading each byte at most a few times.

A format is named only from a signature or a header that a non-image will not have by chance
(other_formats names the formats a header tells, but for TGA). TGA has no magic at all and
takes care. A version 2 TGA ends with a
"TRUEVISION-XFILE.\\0" footer, but a version 1 file has none: one is named only when its whole
18-byte header agrees with itself (a known image type with the pixel depth that type allows, a
colour map where the type needs one and a well-formed one wherever it is present, empty
colour-map fields when there is none, a non-zero size, no interleaving) and the file is long
enough for the pixels it declares. Anything less is "not an image".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from imagecore.adapters.pillow_codec import other_formats
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
    (2048, b"PCD_IPI", "PCD"),  # Kodak Photo CD: the image pack header, in the second sector
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
#: The structural brand of the compact layout (ISO/IEC 23008-12 amendment 2): a ``mini`` box
#: right after the ``ftyp`` box stands in for ``meta``. The bundled libavif refuses such a file,
#: and the codec hands libheif only files whose ``meta`` box it has checked first. With ``mif3``
#: as the major brand the minor version holds the codec's brand.
_COMPACT_BRAND = b"mif3"
_COMPACT_CODECS: dict[bytes, str] = {
    b"avif": "AVIF",
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"heim": "HEIC",
    b"heis": "HEIC",
}

#: JPEG markers that begin a frame header (SOF0-3, 5-7, 9-11, 13-15 and the hierarchical DHP),
#: whose first byte after the length is the sample precision.
_FRAME_MARKERS = frozenset({*range(0xC0, 0xD0), 0xDE}) - {0xC4, 0xC8, 0xCC}
#: JPEG markers with no length after them: TEM, RST0-7 and SOI (0x00 is an escaped 0xFF).
_STANDALONE_MARKERS = frozenset({0x00, 0x01, *range(0xD0, 0xD9)})
_END_OF_IMAGE, _START_OF_SCAN = 0xD9, 0xDA

_TGA_FOOTER = b"TRUEVISION-XFILE.\x00"
#: TGA image type -> (whether it needs a colour map, the pixel depths it may have). True-colour
#: and greyscale images may carry a colour map they do not use (the specification allows it, and
#: real files have one); a greyscale image of depth 1 is a bilevel one, as Pillow writes mode "1".
_TGA_TYPES: dict[int, tuple[bool, frozenset[int]]] = {
    1: (True, frozenset({8})),  # colour-mapped
    2: (False, frozenset({15, 16, 24, 32})),  # true colour
    3: (False, frozenset({1, 8, 16})),  # greyscale
    9: (True, frozenset({8})),  # the same three, run-length encoded (bilevel never is)
    10: (False, frozenset({15, 16, 24, 32})),
    11: (False, frozenset({8, 16})),
}
_TGA_MAP_DEPTHS = frozenset({15, 16, 24, 32})


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
    size = int.from_bytes(data[:4], "big")
    end = min(size, len(data), 16 + 4 * _MAX_BRANDS)
    brands = [data[8:12], *(data[at : at + 4] for at in range(16, end - 3, 4))]
    if size >= 16 and _COMPACT_BRAND in brands and data[size + 4 : size + 8] == b"mini":
        # Named as a layout we do not take, not as the AVIF or HEIC it holds: called that, the
        # file would be refused as damaged, and it is not.
        minor = [data[12:16]] if data[8:12] == _COMPACT_BRAND else []
        codec = (_COMPACT_CODECS[b] for b in (*minor, *brands) if b in _COMPACT_CODECS)
        return f"compact {next(codec, 'HEIF')}"
    for table in (_BRANDS, _GENERIC_BRANDS):
        for brand in brands:
            if brand in table:
                return table[brand]
    return None


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
    if expected is None or map_type not in (0, 1) or depth not in expected[1]:
        return None
    if expected[0] and map_type == 0:
        return None
    if map_type == 0 and data[3:8] != bytes(5):
        return None
    if map_type == 1 and (map_length == 0 or map_depth not in _TGA_MAP_DEPTHS):
        return None
    if width == 0 or height == 0 or descriptor & 0xC0 or (descriptor & 0x0F) > 8:
        return None
    # Uncompressed: every row, a bilevel one packed 8 pixels a byte; run-length encoded: at least
    # one packet per 128 pixels.
    if image_type < 8:
        least = height * -(-width * depth // 8)
    else:
        least = -(-width * height // 128) * (1 + (depth + 7) // 8)
    start = 18 + id_length + map_length * ((map_depth + 7) // 8)
    return "TGA" if len(data) >= start + least else None


#: Recognisers of formats a fixed signature cannot name, in the order they are tried; the two
#: without magic, WBMP and TGA (by its header, when it has no footer), come last.
_RECOGNISERS: tuple[Callable[[bytes], str | None], ...] = (
    _iso_media,
    _jpeg_variant,
    *other_formats.RECOGNISERS,
    _tga,
)
