"""Which EXIF orientation a picture is turned by: where browsers turn it, and nowhere else."""

from __future__ import annotations

from PIL import Image

ORIENTATION = 0x0112
#: What turns a picture stored with each EXIF orientation (tag 0x0112) upright.
UPRIGHT: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def shown_orientation(image: Image.Image) -> int:
    """The EXIF orientation to apply: where browsers apply one, and nowhere else.

    Applied: a JPEG's (its APP1 segment) and a PNG's (an eXIf chunk before the image data), as
    browsers turn those. Not applied: a WebP's EXIF chunk, still or animated, which Chromium's
    and Firefox's WebP decoders never read: they show a WebP as its pixels are stored
    (tests/browser/ holds the stored pictures against Chromium's). An AVIF's orientation is its
    container's rotation and mirror (irot, imir), which Pillow reports here as the EXIF one,
    whatever the EXIF inside says; libheif turns a HEIC by them as it decodes, so 1 is read.
    Only the EXIF Pillow found while opening the file counts: ``getexif()`` would look further
    (XMP, text chunks, an eXIf after the image data, which makes it decode a PNG and swallow the
    decoder's error), and turn pictures browsers show upright.
    """
    if image.format == "WEBP":
        return 1
    exif = image.info.get("exif")
    if not isinstance(exif, bytes):
        return 1
    try:
        parsed = Image.Exif()
        parsed.load(exif)
        value = parsed.get(ORIENTATION, 1)
    except Exception:
        return 1  # Unreadable EXIF counts as no orientation, as in browsers.
    return value if isinstance(value, int) and value in UPRIGHT else 1
