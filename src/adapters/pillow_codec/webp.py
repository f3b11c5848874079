"""WebP: its signature (a RIFF container of the WEBP form), its structure check, and the memory
its decoding takes."""

from __future__ import annotations

import struct

#: How a WebP starts, as every RIFF file does: one cut inside its header starts so too.
SIGNATURE = b"RIFF"
#: Peak memory per canvas pixel of a WebP of any kind (libwebp holds two RGBA canvases besides
#: Pillow's copies), as measured in a fresh process (tests/adversarial/test_decode_memory.py)
#: and rounded up.
BYTES_PER_PIXEL = 16


def accept(data: bytes) -> bool:
    return data[:4] == SIGNATURE and data[8:12] == b"WEBP"


def webp_damage(data: bytes) -> str | None:
    """The RIFF container holds as many bytes as it declares."""
    if len(data) < 12:
        return "the file ends in its header"
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 > len(data):
        return "the file ends before the size its header declares"
    return None
