"""GIF: its signatures, its blocks walked up to the trailer (the structure check), the canvas its
frames imply and the budget that canvas sets. Each function takes any bytes; only the budget
raises, to refuse."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from imagecore import ImageLimits
from imagecore.rejections import ImageTooLarge

SIGNATURES = (b"GIF87a", b"GIF89a")


def accept(data: bytes) -> bool:
    return data[:6] in SIGNATURES


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


def _skip_sub_blocks(data: bytes, at: int) -> int:
    while data[at]:
        at += data[at] + 1
    return at + 1


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


def check_work(data: bytes, limits: ImageLimits, accepted: tuple[str, ...]) -> None:
    """Refuse a GIF whose frames imply a canvas over the pixel limit, or more pixels over all
    frames than an animation may have, though its logical screen may say 1x1."""
    width, height, frames = gif_canvas(data)
    if width * height > limits.max_pixels:
        raise ImageTooLarge("image", width * height, limits.max_pixels, "pixels")
    if frames * width * height > limits.max_animation_pixels:
        raise ImageTooLarge(
            "animation",
            frames * width * height,
            limits.max_animation_pixels,
            "pixels over all frames",
        )
