"""Pixels made upright, sized and colour-correct: the decisions, each a small function."""

from __future__ import annotations

import io
import math
from functools import cache

import attrs
from PIL import Image, ImageCms, ImageFile

from imagecore import Box
from imagecore.model import Focus

#: Orientations 5 to 8 turn the picture a quarter: its stored width is its shown height.
QUARTER_TURNS = frozenset({5, 6, 7, 8})
#: Pillow's own choice for thumbnails. Lanczos costs about 30 % more resizing time here (make
#: bench) for a difference nobody sees at avatar and banner sizes.
RESAMPLE = Image.Resampling.BICUBIC
#: Shrink by whole factors with a box filter first, then resample the last factor of at most 2:
#: in Pillow's words, indistinguishable from resampling all the way in most cases.
REDUCING_GAP = 2.0
#: Pillow's modes for 16-bit (and 32-bit) grey.
SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
#: What Pillow multiplies 2- and 4-bit grey by to bring it to 0..255.
_GREY_SCALES = {"L;2": 85, "L;4": 17}


@attrs.frozen
class Plan:
    """What to cut from the upright image (left, top, right, bottom) and the size to scale it to."""

    crop: tuple[float, float, float, float]
    size: tuple[int, int]


Region = tuple[float, float, float, float]


def plan(width: int, height: int, box: Box, region: Region | None = None) -> Plan:
    """How to bring ``region`` (left, top, right, bottom; the whole by default) of a ``width`` x
    ``height`` image to ``box``. ``box.crop`` is not read: the caller says where it lies."""
    x0, y0, x1, y1 = region or (0.0, 0.0, float(width), float(height))
    width_, height_ = x1 - x0, y1 - y0
    if not box.fill:
        scale = min(box.width / width_, box.height / height_, 1.0)
        size = (max(1, round(width_ * scale)), max(1, round(height_ * scale)))
        return Plan((x0, y0, x1, y1), size)
    # Crop the largest part with the box's aspect ratio, centred on the focus as far as the
    # region allows (on its centre without one), then scale it down to the box (or keep it, if
    # it is smaller than the box: never scale up).
    aspect = box.width / box.height
    crop_w, crop_h = (
        (height_ * aspect, height_) if width_ / height_ > aspect else (width_, width_ / aspect)
    )
    if box.focus is None:
        left, top = x0 + (width_ - crop_w) / 2, y0 + (height_ - crop_h) / 2
    else:
        left = min(max(box.focus.x * width - crop_w / 2, x0), x1 - crop_w)
        top = min(max(box.focus.y * height - crop_h / 2, y0), y1 - crop_h)
    scale = min(box.width / crop_w, 1.0)
    size = (max(1, round(crop_w * scale)), max(1, round(crop_h * scale)))
    return Plan((left, top, left + crop_w, top + crop_h), size)


def stored_region(box: Box, orientation: int, width: int, height: int) -> Region | None:
    """Where ``box.crop`` (in the upright picture) lies in the stored pixels, ``width`` x
    ``height`` as stored, before the orientation turns them; None without a crop."""
    if box.crop is None:
        return None
    turned = orientation in QUARTER_TURNS
    left, top, right, bottom = box.region(*((height, width) if turned else (width, height)))
    w, h = width, height
    # For each orientation, the stored rectangle that the transposition turns into the crop.
    x0, y0, x1, y1 = {
        1: (left, top, right, bottom),
        2: (w - right, top, w - left, bottom),
        3: (w - right, h - bottom, w - left, h - top),
        4: (left, h - bottom, right, h - top),
        5: (top, left, bottom, right),
        6: (top, h - right, bottom, h - left),
        7: (w - bottom, h - right, w - top, h - left),
        8: (w - bottom, left, w - top, right),
    }[orientation]
    return (float(x0), float(y0), float(x1), float(y1))


def draft_size(width: int, height: int, orientation: int, box: Box) -> tuple[int, int]:
    """The smallest stored-orientation size a JPEG may be decoded at and still give the plan.

    JPEG decoders can scale by 1/2, 1/4 or 1/8 while decoding; asking for this size lets Pillow
    pick the largest such reduction that keeps every pixel the plan needs.
    """
    turned = orientation in QUARTER_TURNS
    upright = (height, width) if turned else (width, height)
    target = plan(*upright, box, box.region(*upright))
    left, top, right, bottom = target.crop
    factor = min((right - left) / target.size[0], (bottom - top) / target.size[1])
    need = (math.ceil(upright[0] / factor), math.ceil(upright[1] / factor))
    return (need[1], need[0]) if turned else need


def jpeg_scale(width: int, height: int, orientation: int, box: Box) -> int:
    """The reduction (1, 2, 4 or 8) a ``width`` x ``height`` JPEG is decoded at for ``box``: the
    one Pillow's draft picks for :func:`draft_size`, worked out the way Pillow works it out."""
    need_width, need_height = draft_size(width, height, orientation, box)
    most = min(width // max(need_width, 1), height // max(need_height, 1))
    return next((s for s in (8, 4, 2) if most >= s), 1)


def jpeg_decoded_size(width: int, height: int, orientation: int, box: Box) -> tuple[int, int]:
    """The size a ``width`` x ``height`` JPEG is decoded at for ``box``, known before decoding."""
    scale = jpeg_scale(width, height, orientation, box)
    return -(-width // scale), -(-height // scale)


def stored_box(box: Box, orientation: int) -> Box:
    """The box as the stored pixels see it: a picture turned a quarter fits the box turned too,
    and its focus is where the stored pixels have that point.

    Scaling and centring are symmetric, so sizing the stored pixels into this box and then
    turning them gives the same size and crop as turning first and sizing into ``box``, for a
    fraction of the memory. The pixels may differ by a few levels where fine detail meets an
    edge: the whole-factor reduction's last partial block falls on the other side.
    """
    focus = None if box.focus is None else stored_focus(box.focus, orientation)
    if orientation in QUARTER_TURNS:
        return attrs.evolve(box, width=box.height, height=box.width, focus=focus)
    return attrs.evolve(box, focus=focus)


def stored_focus(focus: Focus, orientation: int) -> Focus:
    """Where a point of the upright picture lies in the stored pixels (as stored_region maps
    a rectangle), as fractions of the stored width and height."""
    u, v = focus.x, focus.y
    x, y = {
        1: (u, v),
        2: (1 - u, v),
        3: (1 - u, 1 - v),
        4: (u, 1 - v),
        5: (v, u),
        6: (v, 1 - u),
        7: (1 - v, 1 - u),
        8: (1 - v, u),
    }[orientation]
    return attrs.evolve(focus, x=x, y=y)


def focus_within(box: Box, width: int, height: int) -> Focus | None:
    """Where the box's focus lies in the image :func:`plan` cuts from an upright ``width`` x
    ``height`` picture, as fractions of that image (kept inside it); None without a focus."""
    if box.focus is None:
        return None
    left, top, right, bottom = plan(width, height, box, box.region(width, height)).crop
    x = (box.focus.x * width - left) / (right - left)
    y = (box.focus.y * height - top) / (bottom - top)
    return attrs.evolve(box.focus, x=min(max(x, 0.0), 1.0), y=min(max(y, 0.0), 1.0))


def resize(image: Image.Image, box: Box, region: Region | None = None) -> Image.Image:
    """``region`` of the image (the whole by default) cropped and scaled as :func:`plan` says,
    in one resampling pass."""
    target = plan(image.width, image.height, box, region)
    if target.size == image.size and target.crop == (0, 0, image.width, image.height):
        return image
    return image.resize(target.size, RESAMPLE, box=target.crop, reducing_gap=REDUCING_GAP)


def to_display_mode(image: Image.Image, *, in_place: bool = False) -> Image.Image:
    """The image in sRGB as L, RGB or RGBA: the modes every encoder we use can write.

    An embedded ICC profile is converted to sRGB and then dropped, rather than carried over:
    browsers show untagged images as sRGB, so the colours stay the same, and the stored file
    carries no profile bytes (which can be large, and can name the device that made them).
    A transparent colour (PNG tRNS) becomes an alpha channel, matched at the decoded depth.
    ``in_place`` lets the colour conversion overwrite ``image``, saving a copy of a still; never
    an animation's frame, which the next frame is drawn over.
    """
    if image.mode in SIXTEEN_BIT:
        image = _grey_to_8_bits(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or ("transparency" in image.info)
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        converted = _to_srgb(image, icc, "RGBA" if has_alpha else "RGB", in_place=in_place)
        if converted is not None:
            return converted
    if image.mode == "F":
        image = image.convert("L")
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if image.mode in ("1", "L"):
        return image.convert("L") if image.mode == "1" else image
    return image if image.mode == "RGB" else image.convert("RGB")


def match_transparent_colour(image: ImageFile.ImageFile) -> None:
    """Put a PNG's transparent colour on the scale Pillow decodes its pixels to.

    Call it after opening and before ``load()``: only then does Pillow say how it will decode.
    Pillow keeps the tRNS colour as written, but decodes 2- and 4-bit grey to 0..255 (x 85,
    x 17: exact) and 16-bit RGB to the high byte of each channel (value >> 8), so a 16-bit
    colour is matched by its high bytes: every colour within the key's 8-bit colour (differing
    only in the low bytes Pillow discards) is clear too. 16-bit grey keeps its exact value.
    """
    key = image.info.get("transparency")
    raw = image.tile[0].args if image.format == "PNG" and image.tile else None
    if raw == "RGB;16B" and isinstance(key, tuple):
        image.info["transparency"] = tuple(value >> 8 for value in key)
    elif isinstance(raw, str) and raw in _GREY_SCALES and isinstance(key, int):
        image.info["transparency"] = key * _GREY_SCALES[raw]


def flatten(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """The image on an opaque background, for formats that cannot hold transparency."""
    if image.mode != "RGBA":
        return image
    canvas = Image.new("RGB", image.size, background)
    canvas.paste(image, mask=image.getchannel("A"))
    return canvas


def _to_srgb(image: Image.Image, icc: bytes, mode: str, *, in_place: bool) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "sRGB" in ImageCms.getProfileDescription(source) and image.mode != "CMYK":
            return image if image.mode == mode else image.convert(mode)
        if image.mode == "RGBA" or mode == "RGBA":
            image = image if image.mode == "RGBA" else image.convert("RGBA")
        if in_place and image.mode == mode:
            ImageCms.profileToProfile(image, source, _srgb(), inPlace=True)
            return image
        converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or mismatched profile is ignored, as browsers ignore it.
        return None
    return converted


def _grey_to_8_bits(image: Image.Image) -> Image.Image:
    # Each value scaled by value >> 8 (a straight convert would clip everything above 255 to
    # white); a transparent value is matched first, on the 16-bit values, so that none of its
    # neighbours sharing its 8-bit value is cleared too.
    key = image.info.get("transparency")
    if image.mode == "I;16" and not isinstance(key, int):
        # The high byte of each little-endian value, read straight from the 16-bit pixels: no
        # 32-bit copy of the picture on the way.
        return Image.frombytes("L", image.size, image.tobytes(), "raw", "L;16")
    wide = image.convert("I")
    grey = wide.point(lambda value: value * (1 / 256)).convert("L")
    grey.info.pop("transparency", None)
    if not isinstance(key, int) or not 0 <= key < 2**16:
        return grey
    opaque = [255] * 2**16
    opaque[key] = 0
    return Image.merge("LA", (grey, wide.point(opaque, "L")))


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
