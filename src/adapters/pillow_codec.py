"""The image codec on Pillow: decide by content, decode under limits, re-encode without metadata.

Only the JPEG, PNG, GIF and WebP decoders ever run. Every stored file is encoded afresh from
decoded pixels, so nothing the client sent (EXIF with GPS, comments, text chunks, trailing bytes)
reaches storage.
"""

from __future__ import annotations

import io
import re
import struct
import threading
import zlib
from collections.abc import Mapping

from PIL import Image, ImageOps, UnidentifiedImageError

from imagecore import (
    EncodedImage,
    ImageCodec,
    ImageTooLarge,
    InvalidImage,
    Slot,
    UnsupportedImageType,
)

#: Pillow's format names we decode, and the name, extension and encoder options we store them with.
_FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "JPEG": ("JPEG", "jpg", {"quality": 85, "optimize": True, "progressive": True}),
    "PNG": ("PNG", "png", {"compress_level": 6}),
    "GIF": ("GIF", "gif", {}),
    "WEBP": ("WebP", "webp", {"quality": 85, "method": 4}),
}
ACCEPTED = tuple(name for name, _, _ in _FORMATS.values())

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_BOXES: Mapping[Slot, tuple[int, int]] = {
    Slot.PROFILE: (800, 800),
    Slot.COVER: (2400, 1200),
}

#: Signatures of common files we refuse, so the message can say what was sent.
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

#: What Pillow's decoders raise on corrupt or truncated data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


class PillowCodec(ImageCodec):
    """Checks and re-encodes uploads with Pillow.

    An image is refused before it is decoded when its header declares more than ``max_pixels``,
    and downscaled (never upscaled, aspect kept) to fit its slot's box. JPEG stays JPEG, PNG stays
    PNG, GIF stays GIF and WebP stays WebP. At most ``max_concurrent`` images are decoded at once
    so a burst of uploads cannot take all the memory.
    """

    def __init__(
        self,
        *,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        boxes: Mapping[Slot, tuple[int, int]] = DEFAULT_BOXES,
        max_concurrent: int = 2,
    ) -> None:
        if not 0 < max_pixels <= (Image.MAX_IMAGE_PIXELS or max_pixels):
            # Above Pillow's own limit its bomb check would only warn; ours must come first.
            raise ValueError(f"max_pixels must be between 1 and {Image.MAX_IMAGE_PIXELS}")
        self.max_pixels = max_pixels
        self.boxes = dict(boxes)
        self._decoding = threading.BoundedSemaphore(max_concurrent)

    def encode(self, data: bytes, slot: Slot) -> EncodedImage:
        if not data:
            raise InvalidImage("The file is empty.", ACCEPTED)
        with self._decoding:
            return self._encode(data, slot)

    def _encode(self, data: bytes, slot: Slot) -> EncodedImage:
        try:
            image = Image.open(io.BytesIO(data), formats=list(_FORMATS))
        except UnidentifiedImageError:
            raise _refusal(data) from None
        except Image.DecompressionBombError as error:
            raise ImageTooLarge("image", _pixels_in(error), self.max_pixels, "pixels") from error
        except _DECODE_ERRORS as error:
            raise InvalidImage("The image is corrupt or truncated.", ACCEPTED) from error
        with image:
            name, extension, options = _FORMATS[str(image.format)]
            width, height = image.size
            if width * height > self.max_pixels:
                raise ImageTooLarge("image", width * height, self.max_pixels, "pixels")
            try:
                pixels = self._decode(image, self.boxes[slot])
                encoded = _save(pixels, name, options)
            except Image.DecompressionBombError as error:
                raise ImageTooLarge("image", width * height, self.max_pixels, "pixels") from error
            except _DECODE_ERRORS as error:
                raise InvalidImage(
                    f"The {name} image is corrupt or truncated.", ACCEPTED
                ) from error
        return EncodedImage(encoded, extension, pixels.width, pixels.height)

    @staticmethod
    def _decode(image: Image.Image, box: tuple[int, int]) -> Image.Image:
        orientation = image.getexif().get(0x0112, 1)
        # Orientations 5 to 8 turn the image a quarter, so the stored width fits the box's height.
        draft_box = (box[1], box[0]) if orientation in (5, 6, 7, 8) else box
        if image.format == "JPEG":
            image.draft(image.mode, draft_box)
        image.load()
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail(box, Image.Resampling.LANCZOS, reducing_gap=3.0)
        return upright


def _save(image: Image.Image, format_name: str, options: Mapping[str, object]) -> bytes:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if format_name == "JPEG":
        image = image.convert("L" if image.mode in ("1", "L") else "RGB")
    elif has_alpha:
        image = image.convert("RGBA")
    elif image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGB")
    # Encoders copy comments, ICC profiles and text chunks from .info; store pixels only.
    image.info = {}
    out = io.BytesIO()
    image.save(out, format=format_name.upper(), **options)
    return out.getvalue()


def _pixels_in(error: Image.DecompressionBombError) -> int | None:
    # Pillow says "Image size (2500000000 pixels) exceeds limit of ...".
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else None


def _refusal(data: bytes) -> InvalidImage | UnsupportedImageType:
    head = data[:64]
    for offset, signature, kind in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return UnsupportedImageType(kind, ACCEPTED)
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return UnsupportedImageType("SVG", ACCEPTED)
    if text.startswith((b"<!doctype html", b"<html")):
        return UnsupportedImageType("HTML", ACCEPTED)
    return InvalidImage("The file is not an image.", ACCEPTED)
