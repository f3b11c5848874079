"""The three ways of making a stored image that the benchmark sets side by side."""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Callable

import attrs
from PIL import Image, ImageOps

from imagecore import ImageLimits, Slot
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.policies import DEFAULT_POLICIES

Contender = Callable[[bytes, Slot], bytes]
#: The codec without the slot's variants: what the other contenders make.
IMAGE_ONLY = "codec-without-variants"

_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"compress_level": 6},
    "GIF": {},
    "WEBP": {"quality": 85},
}


def codec(*, variants: bool = True) -> Contender:
    """This project's codec, as the server builds it: with the slot's variants, or without."""
    pillow_codec, limits = PillowCodec(), ImageLimits()

    def run(data: bytes, slot: Slot) -> bytes:
        box = DEFAULT_POLICIES[slot].box
        if not variants:
            box = attrs.evolve(box, variants=())
        return pillow_codec.encode(data, box, limits).data

    return run


def naive(data: bytes, slot: Slot) -> bytes:
    """What most code does: open, load in full, turn, shrink, save (first frame only); HEIC
    through pillow_heif's opener, registered as its documentation says."""
    _heif_opener()
    box = DEFAULT_POLICIES[slot].box
    image = Image.open(io.BytesIO(data))
    image.load()
    # A phone's HEIC or AVIF is stored as JPEG, as the codec stores it.
    format_name = "JPEG" if image.format in ("HEIF", "AVIF") else str(image.format)
    image = ImageOps.exif_transpose(image)
    if box.fill:
        image = ImageOps.fit(image, (box.width, box.height))
    else:
        image.thumbnail((box.width, box.height))
    out = io.BytesIO()
    image.save(out, format=format_name, **_SAVE_OPTIONS[format_name])
    return out.getvalue()


@functools.cache
def _heif_opener() -> None:
    try:
        import pillow_heif
    except ImportError:  # without the heic extra, naive cannot read a HEIC (the table says so)
        return
    pillow_heif.register_heif_opener()


def pyvips_thumbnail() -> Contender | None:
    """libvips' thumbnail (shrink-on-load, auto-rotate), saved like ours; None if not installed."""
    # One libvips thread, like one request's decode here: a fair per-image comparison.
    os.environ.setdefault("VIPS_CONCURRENCY", "1")
    try:
        import pyvips  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except (ImportError, OSError):
        return None
    pyvips.cache_set_max(0)
    savers: dict[bytes, tuple[str, dict[str, object]]] = {
        b"\xff\xd8": (".jpg", {"Q": 85, "optimize_coding": True, "interlace": True}),
        # With row filtering, as ours: its default zlib level, for a file of about the size ours is.
        b"\x89P": (".png", {"compression": 6, "filter": "all"}),
        b"GI": (".gif", {}),
        b"RI": (".webp", {"Q": 85}),
    }

    def thumbnail(data: bytes, slot: Slot) -> bytes:
        box = DEFAULT_POLICIES[slot].box
        # ISO media (HEIC, AVIF): "ftyp" at 4; stored as JPEG, as the codec stores it.
        suffix, options = savers[b"\xff\xd8" if data[4:8] == b"ftyp" else data[:2]]
        image = pyvips.Image.thumbnail_buffer(
            data,
            box.width,
            height=box.height,
            size="down",
            crop="centre" if box.fill else "none",
            option_string="n=-1" if suffix in (".gif", ".webp") else "",
        )
        return bytes(image.write_to_buffer(suffix, keep="none", **options))

    return thumbnail
