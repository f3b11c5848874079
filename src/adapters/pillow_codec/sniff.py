"""Naming what an upload is when no accepted decoder takes it, so the refusal can say so."""

from __future__ import annotations

from imagecore.errors import InvalidImage, UnsupportedImageType

#: Signatures of common files we refuse: (offset, bytes, name).
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF", "PDF"),
    (0, b"PK\x03\x04", "ZIP"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"8BPS", "PSD"),
    (0, b"%!PS", "PostScript"),
    (0, b"\xc5\xd0\xd3\xc6", "EPS"),
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"BM", "BMP"),
    (4, b"ftypheic", "HEIC"),
    (4, b"ftypheix", "HEIC"),
    (4, b"ftypmif1", "HEIF"),
    (4, b"ftypavif", "AVIF"),
    (0, b"\xff\x0a", "JPEG XL"),
    (0, b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
)


def refusal(data: bytes, accepted: tuple[str, ...]) -> InvalidImage | UnsupportedImageType:
    """The error for bytes none of the accepted decoders would open."""
    head = data[:64]
    for offset, signature, kind in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return UnsupportedImageType(kind, accepted)
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return UnsupportedImageType("SVG", accepted)
    if text.startswith((b"<!doctype html", b"<html")):
        return UnsupportedImageType("HTML", accepted)
    return InvalidImage("not an image", accepted)
