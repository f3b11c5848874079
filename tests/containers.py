"""What is inside a stored file, read from its bytes rather than through Pillow's API."""

from __future__ import annotations

import struct


def jpeg_markers(data: bytes) -> list[int]:
    """The marker of every segment before the first scan (and SOS itself)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers, at = [], 2
    while at < len(data):
        assert data[at] == 0xFF, f"no marker at {at}"
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
    return markers


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    return chunks


def webp_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", "not a WebP"
    chunks, at = [], 12
    while at < len(data):
        kind, (length,) = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])
        chunks.append(kind)
        if kind == b"ANMF":  # frames nest their own image chunks
            chunks += webp_chunks(b"RIFF\x00\x00\x00\x00WEBP" + data[at + 24 : at + 8 + length])
        at += 8 + length + (length & 1)
    return chunks


def gif_extensions(data: bytes) -> list[tuple[int, bytes]]:
    """Each extension block's label, with the identifier of application extensions."""
    assert data[:6] in (b"GIF87a", b"GIF89a"), "not a GIF"
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    found: list[tuple[int, bytes]] = []

    def skip_sub_blocks(at: int) -> int:
        while data[at]:
            at += data[at] + 1
        return at + 1

    while data[at] != 0x3B:
        if data[at] == 0x21:
            label = data[at + 1]
            identifier = data[at + 3 : at + 3 + data[at + 2]] if label == 0xFF else b""
            found.append((label, identifier))
            at = skip_sub_blocks(at + 2)
        else:  # image descriptor, optional local colour table, then LZW data
            local = data[at + 9]
            at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            at = skip_sub_blocks(at + 1)
    return found
