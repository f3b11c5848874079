"""The image codec on Pillow: decide by content, decode under limits, re-encode without metadata."""

from __future__ import annotations

import io
import logging
import re
import struct
import threading
import warnings
import zlib
from collections.abc import Mapping

import attrs
from imagecore.adapters.pillow_codec import encoders
from imagecore.adapters.pillow_codec.pixels import OutputBox, draft_size, resize, to_display_mode
from imagecore.adapters.pillow_codec.sniff import refusal
from PIL import Image, ImageFile, ImageSequence, UnidentifiedImageError

from imagecore import (
    EncodedImage,
    ImageCodec,
    ImageRejected,
    ImageTooLarge,
    InvalidImage,
    Slot,
)

log = logging.getLogger(__name__)

ACCEPTED = ("JPEG", "PNG", "GIF", "WebP")
#: Pillow's decoders that may run; no other (EPS, TIFF, PSD, ...) is ever reached.
DECODERS = ["JPEG", "PNG", "GIF", "WEBP"]
ANIMATED = frozenset({"GIF", "WEBP"})
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

DEFAULT_BOXES: Mapping[Slot, OutputBox] = {
    Slot.PROFILE: OutputBox(800, 800),
    Slot.COVER: OutputBox(2400, 1200),
}

#: What Pillow's decoders raise on corrupt or truncated data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


@attrs.frozen
class Limits:
    """How much decoding one upload may cost."""

    #: Largest still image, as its header declares it, checked before any pixel is decoded.
    max_pixels: int = 40_000_000
    max_frames: int = 200
    #: Pixels decoded over all frames of an animation.
    max_animation_pixels: int = 100_000_000


class PillowCodec(ImageCodec):
    """Checks and re-encodes uploads with Pillow.

    Upright by EXIF orientation, in sRGB, scaled down to the slot's box, and written afresh in the
    input's format family (or WebP for every still, when ``stills_as_webp``); animations keep
    every frame. At most ``max_concurrent`` uploads are decoded at once, so a burst of large
    images cannot take all the memory.
    """

    def __init__(
        self,
        *,
        boxes: Mapping[Slot, OutputBox] = DEFAULT_BOXES,
        limits: Limits = Limits(),
        stills_as_webp: bool = False,
        max_concurrent: int = 2,
    ) -> None:
        if not 0 < limits.max_pixels <= (Image.MAX_IMAGE_PIXELS or limits.max_pixels):
            # Above Pillow's own limit its bomb check would only warn; ours must come first.
            raise ValueError(f"max_pixels must be between 1 and {Image.MAX_IMAGE_PIXELS}")
        if ImageFile.LOAD_TRUNCATED_IMAGES:
            raise ValueError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay off")
        self.boxes = {**DEFAULT_BOXES, **boxes}
        self.limits = limits
        self.stills_as_webp = stills_as_webp
        self._decoding = threading.BoundedSemaphore(max_concurrent)
        # Pillow only warns about images between its limit and twice that; here that is a refusal.
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

    def encode(self, data: bytes, slot: Slot) -> EncodedImage:
        if not data:
            raise InvalidImage("The file is empty.", ACCEPTED)
        with self._decoding:
            try:
                return self._encode(data, self.boxes[slot])
            except ImageRejected:
                raise
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
                raise ImageTooLarge(
                    "image", _pixels_in(error), self.limits.max_pixels, "pixels"
                ) from error
            except _DECODE_ERRORS as error:
                raise InvalidImage("The image is corrupt or truncated.", ACCEPTED) from error
            except Exception as error:
                # Decoders meet hostile bytes in ways no list of exceptions foresees (a TypeError
                # deep in an EXIF parser, say); the upload is refused, and the log keeps the trace.
                log.warning("refused an upload Pillow could not process", exc_info=True)
                raise InvalidImage("The image is corrupt or truncated.", ACCEPTED) from error

    def _encode(self, data: bytes, box: OutputBox) -> EncodedImage:
        try:
            image = Image.open(io.BytesIO(data), formats=DECODERS)
        except UnidentifiedImageError:
            raise refusal(data, ACCEPTED) from None
        with image:
            pixels = image.width * image.height
            if pixels > self.limits.max_pixels:
                raise ImageTooLarge("image", pixels, self.limits.max_pixels, "pixels")
            output = encoders.BY_INPUT[str(image.format)]
            if image.format in ANIMATED and getattr(image, "n_frames", 1) > 1:
                return self._animation(image, box, output)
            if self.stills_as_webp:
                output = encoders.WEBP
            still = self._still(image, box)
            return EncodedImage(
                encoders.encode_still(still, output), output.extension, still.width, still.height
            )

    @staticmethod
    def _still(image: ImageFile.ImageFile, box: OutputBox) -> Image.Image:
        orientation = _orientation(image)
        if image.format in ("JPEG", "MPO"):
            # Decode at 1/2, 1/4 or 1/8 scale when the box allows: less work, far less memory.
            image.draft(image.mode, draft_size(image.width, image.height, orientation, box))
        image.load()
        method = UPRIGHT.get(orientation)
        upright = image.transpose(method) if method is not None else image
        return resize(to_display_mode(upright), box)

    def _animation(
        self, image: ImageFile.ImageFile, box: OutputBox, output: encoders.Format
    ) -> EncodedImage:
        count = getattr(image, "n_frames", 1)
        if count > self.limits.max_frames:
            raise ImageTooLarge("animation", count, self.limits.max_frames, "frames")
        total = count * image.width * image.height
        if total > self.limits.max_animation_pixels:
            raise ImageTooLarge(
                "animation", total, self.limits.max_animation_pixels, "pixels over all frames"
            )
        loop = image.info.get("loop")
        frames, durations = [], []
        for frame in ImageSequence.Iterator(image):
            rgba = frame.convert("RGBA")  # WebP sets a frame's duration only once it is loaded
            durations.append(int(frame.info.get("duration") or 100))
            frames.append(resize(rgba, box))
        data = encoders.encode_animation(frames, durations, loop, output)
        return EncodedImage(data, output.extension, frames[0].width, frames[0].height)


def _orientation(image: Image.Image) -> int:
    # Unreadable EXIF counts as no orientation, as in browsers.
    try:
        value = image.getexif().get(ORIENTATION, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and value in UPRIGHT else 1


def _pixels_in(error: Exception) -> int | None:
    # Pillow says "Image size (2500000000 pixels) exceeds limit of ...".
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else None
