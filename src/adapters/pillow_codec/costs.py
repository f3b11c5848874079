"""What decoding an upload would cost, told from its bytes and header before anything decodes
it, and refused where it would cost far more than its size and pixels say."""

from __future__ import annotations

from PIL import ImageFile

from imagecore import ImageLimits
from imagecore.adapters.pillow_codec.heif_items import heif_work
from imagecore.adapters.pillow_codec.jpeg import JPEG_SIGNATURE, jpeg_scans, jpeg_size
from imagecore.adapters.pillow_codec.profiles import needs_profile, profile_for
from imagecore.adapters.pillow_codec.structure import gif_canvas
from imagecore.errors import DecodeOverBudget, ImageTooLarge, InvalidImage

#: Peak memory per canvas pixel of a WebP of any kind, and of an animation of any format, as
#: measured in a fresh process (tests/adversarial/test_decode_memory.py) and rounded up.
WEBP_BYTES_PER_PIXEL = 16
ANIMATION_BYTES_PER_PIXEL = 14
#: The same for a still decoded by libheif (HEIC: 7.0 to 7.3 measured on phones' 12 MP grids and
#: a generated 24 MP one, per pixel of their whole tiles, with libheif's threads) and libavif
#: (AVIF, 9.0): their planes of luma and chroma, then Pillow's RGB.
BYTES_PER_PIXEL = {"WEBP": WEBP_BYTES_PER_PIXEL, "HEIF": 8, "AVIF": 10}


def check_work(data: bytes, limits: ImageLimits, accepted: tuple[str, ...]) -> None:
    """Refuse, from the bytes alone, a file whose decoding would cost far more than its size and
    pixels say: a progressive JPEG of too many scans, a GIF whose frames imply a larger canvas."""
    if data.startswith(JPEG_SIGNATURE):
        # Before anything decodes it.
        width, height = jpeg_size(data)
        if width * height > limits.max_declared_pixels:
            raise ImageTooLarge("image", width * height, limits.max_declared_pixels, "pixels")
        scans = jpeg_scans(data)
        if scans is None:
            raise InvalidImage("damaged", accepted, "its segments do not lead to its image data")
        if scans > limits.max_scans:
            raise ImageTooLarge("image", scans, limits.max_scans, "scans")
    elif data[:6] in (b"GIF87a", b"GIF89a"):
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
    """Refuse, before decoding, what would need more than ``budget`` bytes: libwebp holds two
    RGBA canvases besides Pillow's copies, libheif and libavif their planes besides Pillow's
    image, and an animation's frames are composed on full-size canvases. (Stills of the other
    formats fit the default budget at the pixel limit.)"""
    per_pixel = BYTES_PER_PIXEL.get(format_name, 0)
    if animated:
        per_pixel = max(per_pixel, ANIMATION_BYTES_PER_PIXEL)
    if pixels * per_pixel > budget:
        raise DecodeOverBudget("memory", budget)
