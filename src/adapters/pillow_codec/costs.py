"""What decoding an upload would cost, told before anything decodes it, and its refusal where
that is far more than its size and pixels say: each format's budget from its header (kept by
its module, found through the formats table), a HEIF or AVIF file's from its items, and the
memory a decode peaks at."""

from __future__ import annotations

from PIL import ImageFile

from imagecore import ImageLimits
from imagecore.adapters.pillow_codec.formats import BY_DECODER, FORMATS
from imagecore.adapters.pillow_codec.heif_items import heif_work
from imagecore.adapters.pillow_codec.profiles import needs_profile, profile_for
from imagecore.rejections import DecodeOverBudget, ImageTooLarge, InvalidImage

#: Peak memory per canvas pixel of an animation of any format, as measured in a fresh process
#: (tests/adversarial/test_decode_memory.py) and rounded up: its frames are composed on
#: full-size canvases.
ANIMATION_BYTES_PER_PIXEL = 14


def check_work(data: bytes, limits: ImageLimits, accepted: tuple[str, ...]) -> None:
    """Refuse, from the bytes alone, a file whose decoding would cost far more than its size and
    pixels say, as its format's header tells (a progressive JPEG of too many scans, a GIF whose
    frames imply a larger canvas)."""
    for known in FORMATS:
        if known.check_work is not None and known.accept(data):
            known.check_work(data, limits, accepted)
            return


def check_heif_work(
    data: bytes,
    image: ImageFile.ImageFile,
    pixels: int,
    limits: ImageLimits,
    accepted: tuple[str, ...],
) -> int:
    """Refuse, from its items, a HEIF or AVIF file whose decoding would cost more than the
    picture it shows; the pixels to budget memory for. Give its colours a profile where they
    are named by code."""
    work = heif_work(data)
    if work is None:
        raise InvalidImage("damaged", accepted, "its items could not be read")
    # The decoders report the size after a clean aperture crops it; they decode the coded one.
    shown = max(pixels, work.canvas)
    if shown > limits.max_pixels:
        raise ImageTooLarge("image", shown, limits.max_pixels, "pixels")
    # A grid's tiles are decoded whole where they overhang its edges (a 39.7 MP photo in
    # 512-pixel tiles decodes 43 MP): padding up to the picture's own pixels again, at most.
    padded = max(limits.max_pixels, 2 * shown)
    if work.covered > padded:
        raise ImageTooLarge("image", work.covered, padded, "pixels")
    if work.decoded > 2 * max(shown, work.covered):
        # Tiles and an alpha channel as large as the picture, at most; these would decode many
        # pictures (a tile listed again and again).
        raise InvalidImage("damaged", accepted, "its tiles add up to far more than the picture")
    if not image.info.get("icc_profile") and work.colour and needs_profile(*work.colour):
        # Colours named by code (Display P3, say): converted as a profile would convert them.
        image.info["icc_profile"] = profile_for(work.colour[0])
    return max(shown, work.decoded)


def check_memory(format_name: str, pixels: int, animated: bool, budget: int) -> None:
    """Refuse, before decoding, what would need more than ``budget`` bytes: the peak each format
    declares per pixel (libwebp holds two RGBA canvases besides Pillow's copies, libheif and
    libavif their planes besides Pillow's image), or an animation's. (Stills of the other
    formats fit the default budget at the pixel limit.)"""
    known = BY_DECODER.get(format_name)
    per_pixel = known.bytes_per_pixel if known is not None else 0
    if animated:
        per_pixel = max(per_pixel, ANIMATION_BYTES_PER_PIXEL)
    if pixels * per_pixel > budget:
        raise DecodeOverBudget("memory", budget)
