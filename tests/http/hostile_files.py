"""Hostile and odd files, made here: the accepted ones carry a payload that must not be stored,
the refused ones a word the refusal must say. Shared by the HTTP and the adversarial suites."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from tests import images

SCRIPT = b"<script>alert(document.cookie)</script>"


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _photo_with_gps() -> bytes:
    return images.phone_photo(6, size=(120, 80))


#: name -> (bytes, the payload that must not be stored) for files that are accepted.
ACCEPTED: dict[str, tuple[Callable[[], bytes], bytes | None]] = {
    "1x1 PNG": (lambda: images.png(size=(1, 1)), None),
    "1x20000 PNG": (lambda: images.png(size=(1, 20000)), None),
    "script after the JPEG trailer": (lambda: images.jpeg() + SCRIPT, SCRIPT),
    "script after the PNG trailer": (lambda: images.png() + SCRIPT, SCRIPT),
    "script in a JPEG comment": (lambda: images.jpeg(comment=SCRIPT), SCRIPT),
    "script in a PNG text chunk": (images.png_with_text, b"<script>"),
    "huge EXIF": (
        lambda: images.jpeg_with_segments(images.jpeg(), (0xE1, b"Exif\x00\x00" + b"E" * 65000)),
        b"E" * 64,
    ),
    "MPO phone picture": (
        lambda: images.encode(
            images.marked(), "MPO", save_all=True, append_images=[Image.new("RGB", (60, 40))]
        ),
        None,
    ),
    "CMYK JPEG": (lambda: images.encode(Image.new("CMYK", (30, 30), (0, 99, 99, 0)), "JPEG"), None),
    "16-bit PNG": (lambda: images.png16_rgb((30, 20), (65535, 1000, 30000)), None),
    **{
        f"EXIF orientation {n} with GPS": (
            lambda n=n: images.phone_photo(n),  # type: ignore[misc]
            b"SERIAL-12345",
        )
        for n in range(1, 9)
    },
}

#: name -> (bytes, what the error message must say) for files that are refused.
REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "PNG decompression bomb": (lambda: images.png_claiming_size(60_000, 60_000), "too large"),
    "GIF decompression bomb": (lambda: images.gif_claiming_size(60_000, 60_000), "too large"),
    "PNG just over the pixel limit": (lambda: images.png_claiming_size(8000, 5001), "too large"),
    "truncated JPEG": (lambda: _truncated(images.jpeg(size=(300, 200))), "damaged: premature end"),
    "truncated PNG": (lambda: _truncated(images.png(size=(300, 200))), "damaged: the file ends"),
    "wrong magic": (lambda: b"\x89PNX" + images.png()[4:], "not an image"),
    "SVG with script": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "SVG files are not accepted",
    ),
    "HTML named .png": (lambda: b"<!DOCTYPE html><html>" + SCRIPT + b"</html>", "HTML files"),
    "PDF": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "PDF files"),
    "ZIP": (lambda: b"PK\x03\x04" + b"\x00" * 40, "ZIP files"),
    "zero bytes": (lambda: b"", "empty"),
    "TIFF": (lambda: images.encode(Image.new("RGB", (8, 8)), "TIFF"), "TIFF files"),
    "EPS": (lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n", "PostScript files"),
    "PSD": (lambda: b"8BPS\x00\x01" + b"\x00" * 40, "PSD files"),
    "animation over the frame budget": (
        lambda: images.encode(
            Image.new("RGB", (2, 2), "red"),
            "GIF",
            save_all=True,
            append_images=[Image.new("RGB", (2, 2), ("blue", "red")[i % 2]) for i in range(1005)],
        ),
        "frames",
    ),
}
