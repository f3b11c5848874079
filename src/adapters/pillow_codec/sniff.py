"""The refusal of an upload no accepted decoder takes: damaged when it is one of the accepted
formats' files (as the formats table tells them), else named where its header says what it is,
so the refusal can say so.

Everything here reads headers: nothing is decoded and no decoder runs. Every function takes any
bytes (truncated, hostile) and answers without raising, reading each byte at most a few times.

A format is named only from a signature or a header that a non-image will not have by chance
(other_formats names the formats a header tells, heif the ISO media brands, jpeg_segments a
JPEG's precision). TGA has no magic at all and takes care. A version 2 TGA ends with a
"TRUEVISION-XFILE.\\0" footer, but a version 1 file has none: one is named only when its whole
18-byte header agrees with itself (a known image type with the pixel depth that type allows, a
colour map where the type needs one and a well-formed one wherever it is present, empty
colour-map fields when there is none, a non-zero size, no interleaving) and the file is long
enough for the pixels it declares. Anything less is "not an image".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from imagecore.adapters.pillow_codec import formats, other_formats
from imagecore.adapters.pillow_codec.heif import brand_name
from imagecore.adapters.pillow_codec.jpeg_segments import jpeg_precision
from imagecore.rejections import InvalidImage, UnsupportedImageType

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
    """The error for bytes none of the accepted decoders would open, listing ``accepted``:
    damaged where a signature or header names them as an accepted format, or nothing names them
    but they start as an accepted format's files do (a header no decoder takes); else named; else
    not an image."""
    name = _name(data)
    if name is not None and not formats.named(name):
        return UnsupportedImageType(name, accepted)
    if name is not None or data.startswith(formats.SIGNATURES):
        return InvalidImage("damaged", accepted, "its header is invalid")
    return InvalidImage("not an image", accepted)


def _name(data: bytes) -> str | None:
    for offset, signature, kind in _SIGNATURES:
        if data.startswith(signature, offset):
            return kind
    for recognise in _RECOGNISERS:
        if (named := recognise(data)) is not None:
            return named
    return None


def _jpeg_variant(data: bytes) -> str | None:
    # JPEG allows 2 to 16 bits (over 8 only 12, unless lossless); other values are no JPEG.
    bits = jpeg_precision(data)
    return f"{bits}-bit JPEG" if bits is not None and bits != 8 and 2 <= bits <= 16 else None


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
    brand_name,
    _jpeg_variant,
    *other_formats.RECOGNISERS,
    _tga,
)
