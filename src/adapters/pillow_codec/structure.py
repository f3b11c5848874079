"""What a decoder lets pass: a file's own structure checked before it is decoded, and the faults
browsers' decoders pass over mended first. GIF's and WebP's checks are here; PNG's and JPEG's,
larger, in their formats' modules.

Pillow decodes a PNG whose chunk checksums are wrong or whose end chunk is missing, a GIF that
stops before its trailer, and a JPEG whose data breaks off (libjpeg only warns, and Pillow drops
its warnings, then fills the missing rows with grey), without a word. Such a file was cut short
or changed on the way; it is refused as damaged, whatever a decoder would make of it. Each check
never raises: what it cannot parse is damage too.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

from imagecore.adapters.pillow_codec.heif_items import avif_mended, heif_coding
from imagecore.adapters.pillow_codec.jpeg import jpeg_damage, jpeg_mended
from imagecore.adapters.pillow_codec.png import PNG_SIGNATURE, png_damage, png_mended


def damage(data: bytes) -> str | None:
    """What is wrong with the structure of ``data``, in a few words, if its signature is one of
    the checked formats'; ``None`` when nothing is, or when it is not one of them."""
    for is_format, check in _CHECKS:
        if is_format(data):
            return check(data)
    return None


def mended(data: bytes) -> bytes:
    """``data`` as the decoders browsers use read it, where they pass over a fault without a word
    and show the picture whole; ``data`` itself when there is nothing to pass over. Never raises."""
    for is_format, mend in _MENDS:
        if is_format(data):
            return mend(data)
    return data


def gif_damage(data: bytes) -> str | None:
    """Every block whole, up to the trailer."""
    try:
        for _ in _gif_frames(data):
            pass
    except IndexError:
        return "the file ends before its trailer"
    except ValueError as error:
        return str(error)
    return None


def _gif_frames(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """Each frame's (left, top, width, height), walking every block up to the trailer.

    Raises IndexError where the file ends before it, ValueError at a block of unknown kind.
    """
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while data[at] != 0x3B:
        if data[at] == 0x21:  # extension: label, then sub-blocks
            at = _skip_sub_blocks(data, at + 2)
        elif data[at] == 0x2C:  # image: descriptor, local colour table, LZW size, sub-blocks
            local = data[at + 9]
            yield struct.unpack("<4H", data[at + 1 : at + 9])
            at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            at = _skip_sub_blocks(data, at + 1)
        else:
            raise ValueError("a block of unknown kind")


def gif_canvas(data: bytes) -> tuple[int, int, int]:
    """The canvas a GIF's frames imply (width, height), and its frame count.

    Pillow grows the canvas to hold a frame placed beyond the logical screen, and composes every
    frame at that size: a 1x1 screen with a frame at (8999, 9899) is a 9000x9900 animation.
    Unreadable blocks end the count (the structure check refuses such a file anyway).
    """
    width, height, frames = 0, 0, 0
    try:
        width, height = struct.unpack("<HH", data[6:10])
        for left, top, w, h in _gif_frames(data):
            width, height, frames = max(width, left + w), max(height, top + h), frames + 1
    except (IndexError, ValueError, struct.error):
        pass
    return width, height, frames


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
    (lambda data: data[:3] == b"\xff\xd8\xff", jpeg_damage),
)

#: Each format's repair of faults its browsers' decoder passes over (see mended).
_MENDS: tuple[tuple[Callable[[bytes], bool], Callable[[bytes], bytes]], ...] = (
    (lambda data: data.startswith(PNG_SIGNATURE), png_mended),
    (lambda data: data[4:8] == b"ftyp" and heif_coding(data) == b"av01", avif_mended),
    (lambda data: data[:3] == b"\xff\xd8\xff", jpeg_mended),
)
