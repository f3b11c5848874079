"""What a decoder lets pass: a file's own structure checked before it is decoded.

Pillow decodes a PNG whose chunk checksums are wrong or whose end chunk is missing, and a GIF
that stops before its trailer, without a word. Such a file was cut short or changed on the way;
it is refused as damaged, whatever a decoder would make of it. Each check is a pure function of
the bytes that never raises: what it cannot parse is damage too.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def damage(data: bytes) -> str | None:
    """What is wrong with the structure of ``data``, in a few words, if its signature is one of
    the checked formats'; ``None`` when nothing is, or when it is not one of them."""
    for is_format, check in _CHECKS:
        if is_format(data):
            return check(data)
    return None


def png_damage(data: bytes) -> str | None:
    """Every chunk whole with its checksum right, up to the end chunk; APNG frames in sequence."""
    at, sequence, seen_data = len(PNG_SIGNATURE), 0, False
    while True:
        if at + 12 > len(data):
            return "the file ends before its end chunk"
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        end = at + 12 + length
        if end > len(data):
            return "the file ends in the middle of a chunk"
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[at + 4 : end - 4]) != crc:
            return f"the checksum does not match in chunk {kind.decode('latin-1')!r}"
        if kind == b"IDAT":
            seen_data = True
        elif kind in (b"tRNS", b"PLTE") and seen_data:
            # libpng, and so browsers, ignore it there; Pillow would apply it.
            return f"a {kind.decode('latin-1')!r} chunk comes after the image data"
        if kind in (b"fcTL", b"fdAT"):
            if length < 4 or struct.unpack(">I", data[at + 8 : at + 12])[0] != sequence:
                return "the animation's frames are out of sequence"
            sequence += 1
        if kind == b"IEND":
            return None
        at = end


def gif_damage(data: bytes) -> str | None:
    """Every block whole, up to the trailer."""
    try:
        flags = data[10]
        at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
        while data[at] != 0x3B:
            if data[at] == 0x21:  # extension: label, then sub-blocks
                at = _skip_sub_blocks(data, at + 2)
            elif data[at] == 0x2C:  # image: descriptor, local colour table, LZW size, sub-blocks
                local = data[at + 9]
                at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
                at = _skip_sub_blocks(data, at + 1)
            else:
                return "a block of unknown kind"
    except IndexError:
        return "the file ends before its trailer"
    return None


def webp_damage(data: bytes) -> str | None:
    """The RIFF container holds as many bytes as it declares."""
    if len(data) < 12:
        return "the file ends in its header"
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 > len(data):
        return "the file ends before the size its header declares"
    return None


def _skip_sub_blocks(data: bytes, at: int) -> int:
    while data[at]:
        at += data[at] + 1
    return at + 1


_CHECKS: tuple[tuple[Callable[[bytes], bool], Callable[[bytes], str | None]], ...] = (
    (lambda data: data.startswith(PNG_SIGNATURE), png_damage),
    (lambda data: data[:6] in (b"GIF87a", b"GIF89a"), gif_damage),
    (lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP", webp_damage),
)
