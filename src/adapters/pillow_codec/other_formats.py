"""The image formats we do not take, and markup, named by their headers so that a refusal can say
what was sent: each as strict as Pillow's own plugin for it, or stricter. Every function takes any
bytes and answers without raising, reading each byte at most a few times.

A WBMP has no magic at all: two zero bytes and two sizes. It is named only when the file is
exactly as long as those sizes make it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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

#: FLI (Autodesk Animator) and FLC (Animator Pro) by the magic at offset 4 of the 128-byte header.
_FLI_MAGIC = {b"\x11\xaf": "FLI", b"\x12\xaf": "FLC"}

#: A WBMP's width or height is a multi-byte integer (7 bits a byte); four bytes reach 268 million.
_WBMP_MAX_INT_BYTES = 4

#: A C comment or white space, as found between the parts of an XPM or XBM.
_C_GAP = rb"(?:\s|/\*(?:[^*]|\*(?!/))*\*/)*"
#: An XPM: its comment, a C array of strings, and the first string's width, height, colours and
#: characters per pixel.
_XPM_HEADER = re.compile(
    rb"/\* XPM \*/" + _C_GAP + rb"(?:static\s+)?(?:const\s+)?char\s*\*\s*(?:const\s+)?"
    rb"[A-Za-z_]\w*\s*\[\s*\]\s*=\s*\{" + _C_GAP + rb'"\s*\d+\s+\d+\s+\d+\s+\d+'
)
#: An XBM: the width and height definitions (a hot spot's may follow), then the bits' C array.
_XBM_HEADER = re.compile(
    _C_GAP + rb"#define[ \t]+\S*width[ \t]+\d+[ \t]*\r?\n\s*#define[ \t]+\S*height[ \t]+\d+\s+"
    rb"(?:#define[ \t]+\S*_[xy]_hot[ \t]+-?\d+\s+)*"
    rb"(?:static\s+)?(?:unsigned\s+)?(?:char|short)\s+\S*bits\s*\[\s*\]\s*=\s*\{"
)
#: The header of an IM file (IFUNC, LabEye, as Pillow writes it) ends at its first NUL or ^Z.
_IM_HEADER_END = re.compile(rb"[\x00\x1a]")
_IM_LINE = re.compile(rb"([A-Za-z][^:]{0,40}):[ \t]*([^\r\n]*)")
_IM_SIZE = re.compile(rb"\d+\*\d+")
_IM_MAX_HEADER = 1024

_UTF8_BOM = b"\xef\xbb\xbf"
#: The first element's name (after any XML declaration, comments and doctype), namespace aside.
_FIRST_ELEMENT = re.compile(rb"<(?:[a-z][\w.-]*:)?([a-z][\w.-]*)")
_MARKUP = {b"svg": "SVG", b"html": "HTML"}


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


def _wbmp(data: bytes) -> str | None:
    # Type 0 (a bilevel picture), a fixed header of 0 (no extension headers), the width and the
    # height, then the rows, each padded to a byte: nothing else, so the length must agree.
    if data[:2] != b"\x00\x00":
        return None
    width, at = _multi_byte_int(data, 2)
    height, at = _multi_byte_int(data, at)
    if width == 0 or height == 0:
        return None
    return "WBMP" if len(data) == at + height * -(-width // 8) else None


def _multi_byte_int(data: bytes, at: int) -> tuple[int, int]:
    """A WBMP integer at ``at`` and the offset after it; 0 when it is missing, longer than four
    bytes, or starts with an empty group (valid, but no writer pads a number)."""
    if data[at : at + 1] == b"\x80":
        return 0, at
    value = 0
    for end in range(at, min(at + _WBMP_MAX_INT_BYTES, len(data))):
        value = value << 7 | data[end] & 0x7F
        if not data[end] & 0x80:
            return value, end + 1
    return 0, at


def _fli(data: bytes) -> str | None:
    # The magic and flags Pillow's plugin takes, then the reserved fields it wants zero (80 bytes
    # of them), as the Autodesk specification leaves them.
    kind = _FLI_MAGIC.get(data[4:6])
    if kind is None or len(data) < 128 or data[14:16] not in (b"\x00\x00", b"\x03\x00"):
        return None
    if data[20:22] != bytes(2) or data[42:80] != bytes(38) or data[88:128] != bytes(40):
        return None
    return kind


def _sgi(data: bytes) -> str | None:
    # The magic 474, then storage (verbatim or RLE), bytes per channel, the dimensions (1 to 3)
    # and as many non-zero sizes (width, height, channels); the colour-map field at 104 names one
    # of four kinds, in a 512-byte header.
    if len(data) < 512 or data[:2] != b"\x01\xda" or data[2] not in (0, 1) or data[3] not in (1, 2):
        return None
    dimension = int.from_bytes(data[4:6], "big")
    sizes = [int.from_bytes(data[at : at + 2], "big") for at in (6, 8, 10)]
    colour_map = int.from_bytes(data[104:108], "big")
    if dimension not in (1, 2, 3) or 0 in sizes[:dimension] or colour_map > 3:
        return None
    return "SGI"


def _blp(data: bytes) -> str | None:
    # Blizzard textures. BLP1: compression 0 (JPEG) or 1 (palette); BLP2: type 1, compression 1
    # to 3 (palette, DXT, BGRA) and an alpha depth of 0, 1, 4 or 8. Both then give the width and
    # height at 12, 32-bit numbers no texture takes past 65536.
    blp1 = data[:4] == b"BLP1" and data[4:8] in (bytes(4), b"\x01\x00\x00\x00")
    blp2 = (
        data[:4] == b"BLP2"
        and data[4:8] == b"\x01\x00\x00\x00"
        and data[8:9] in (b"\x01", b"\x02", b"\x03")
        and data[9:10] in (b"\x00", b"\x01", b"\x04", b"\x08")
    )
    if not (blp1 or blp2) or len(data) < 20:
        return None
    width, height = (int.from_bytes(data[at : at + 4], "little") for at in (12, 16))
    return "BLP" if 0 < width <= 65536 and 0 < height <= 65536 else None


def _icns(data: bytes) -> str | None:
    # "icns" and the file's length, then the first element: a type of four letters, digits or
    # spaces ("TOC ", "ic08", "is32") and a length that fits in the file's.
    if not data.startswith(b"icns") or len(data) < 16:
        return None
    total, first = int.from_bytes(data[4:8], "big"), data[8:12]
    length = int.from_bytes(data[12:16], "big")
    if not all(
        c == 0x20 or 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A for c in first
    ):
        return None
    return "ICNS" if 8 <= length <= total - 8 else None


def _fits(data: bytes) -> str | None:
    # The first 80-character card is SIMPLE, true, in the fixed format the standard requires;
    # the second is BITPIX.
    if data[:30] == b"SIMPLE  = " + b" " * 19 + b"T" and data[80:88] == b"BITPIX  ":
        return "FITS"
    return None


def _metafile(data: bytes) -> str | None:
    # EMF: a header record (type 1, at least 88 bytes long) with " EMF" at 40.
    if data[:4] == b"\x01\x00\x00\x00" and data[40:44] == b" EMF":
        return "EMF" if int.from_bytes(data[4:8], "little") >= 88 else None
    # WMF: the metafile header (in memory or on disk, its size of 9 words, version 1 or 3),
    # after the 22-byte placeable header and its key where there is one.
    header = data[22:28] if data[:6] == b"\xd7\xcd\xc6\x9a\x00\x00" else data[:6]
    if header[:4] in (b"\x01\x00\x09\x00", b"\x02\x00\x09\x00") and header[4:] in (
        b"\x00\x01",
        b"\x00\x03",
    ):
        return "WMF"
    return None


def _msp(data: bytes) -> str | None:
    # Microsoft Paint: "DanM" (version 1) or "LinS" (version 2), a non-zero size, and a checksum
    # that makes the 16 words of the 32-byte header XOR to zero, as Pillow checks it.
    if data[:4] not in (b"DanM", b"LinS") or len(data) < 32:
        return None
    checksum = 0
    for at in range(0, 32, 2):
        checksum ^= int.from_bytes(data[at : at + 2], "little")
    if checksum or data[4:6] == bytes(2) or data[6:8] == bytes(2):
        return None
    return "MSP"


def _im(data: bytes) -> str | None:
    # IFUNC/LabEye IM: "Key: value" lines up to a NUL or ^Z, the image type and size among them,
    # and a ^Z before the pixels.
    window = data[:_IM_MAX_HEADER]
    end = _IM_HEADER_END.search(window)
    if end is None or b"\x1a" not in window[end.start() :]:
        return None
    keys: dict[bytes, bytes] = {}
    for line in window[: end.start()].splitlines():
        if not line:
            continue
        field = _IM_LINE.fullmatch(line)
        if field is None or len(line) > 100:
            return None
        keys[field.group(1)] = field.group(2).strip()
    if b"Image type" not in keys or not _IM_SIZE.fullmatch(keys.get(b"Image size (x*y)", b"")):
        return None
    return "IM"


def _xpm(data: bytes) -> str | None:
    return "XPM" if _XPM_HEADER.match(data, 0, 4096) else None


def _xbm(data: bytes) -> str | None:
    return "XBM" if _XBM_HEADER.match(data, 0, 4096) else None


#: Tried in this order, the one without magic (WBMP) last.
RECOGNISERS: tuple[Callable[[bytes], str | None], ...] = (
    _netpbm,
    _bmp,
    _icon,
    _qoi,
    _pcx,
    _markup,
    _fli,
    _sgi,
    _blp,
    _icns,
    _fits,
    _metafile,
    _msp,
    _im,
    _xpm,
    _xbm,
    _wbmp,
)
