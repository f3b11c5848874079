"""Writing pixels out in each format, with nothing but pixels (and frame timing) in the file."""

from __future__ import annotations

import io
from collections.abc import Sequence

import attrs
from PIL import Image

from imagecore.adapters.pillow_codec.pixels import flatten


@attrs.frozen
class Format:
    """An output format: Pillow's name for it, our file extension, and its encoder options."""

    pillow: str
    extension: str
    options: dict[str, object] = attrs.field(factory=dict, hash=False)
    alpha: bool = True


JPEG = Format("JPEG", "jpg", {"quality": 85, "optimize": True, "progressive": True}, alpha=False)
#: zlib level 2: an 800x600 photo is written a quarter faster than at level 3 for a file 4 %
#: larger, and five times faster than at level 6 for a file 15 % larger.
PNG = Format("PNG", "png", {"compress_level": 2})
GIF = Format("GIF", "gif")
WEBP = Format("WEBP", "webp", {"quality": 85, "method": 4})

#: Variants are small and many: a little more compression than the image itself. By media type
#: (the core's Box.variant_type).
VARIANT_FORMATS = {
    # method 1: about four times faster than 4 on a 1920 x 1440 photo, for files 7 % larger.
    "image/webp": Format("WEBP", "webp", {"quality": 80, "method": 1}),
    "image/avif": Format("AVIF", "avif", {"quality": 60, "speed": 8}),
    "image/jpeg": Format("JPEG", "jpg", {"quality": 80, "optimize": True}, alpha=False),
}

#: The output format for each accepted input format; MPO is a phone camera's multi-picture JPEG.
#: A phone's HEIC or AVIF photo is stored as JPEG, which every browser shows (WebP when it has
#: transparency, which JPEG cannot keep).
BY_INPUT = {
    "JPEG": JPEG,
    "MPO": JPEG,
    "PNG": PNG,
    "GIF": GIF,
    "WEBP": WEBP,
    "AVIF": JPEG,
    "HEIF": JPEG,
}


def encode_still(image: Image.Image, output: Format) -> bytes:
    if not output.alpha:
        image = flatten(image)
    _strip(image)
    out = io.BytesIO()
    image.save(out, format=output.pillow, **output.options)
    return out.getvalue()


def encode_animation(
    frames: Sequence[Image.Image], durations: Sequence[int], loop: int | None, output: Format
) -> bytes:
    """Every frame, each shown for its own duration; the loop count kept when the source had one."""
    for frame in frames:
        _strip(frame)
    options: dict[str, object] = dict(output.options)
    if loop is not None:
        options["loop"] = loop
    if output is GIF:
        # Frames are whole pictures: each replaces the last rather than being drawn over it.
        options["disposal"] = 2
    out = io.BytesIO()
    frames[0].save(
        out,
        format=output.pillow,
        save_all=True,
        append_images=list(frames[1:]),
        # One duration per frame: the GIF writer merges identical neighbours and adds theirs up.
        duration=list(durations),
        **options,
    )
    return out.getvalue()


def _strip(image: Image.Image) -> None:
    # Encoders copy EXIF, XMP, ICC profiles, comments and text chunks from .info when present.
    image.info.clear()
