"""The image codec on Pillow: decide by content, decode under limits, re-encode without metadata."""

from __future__ import annotations

import io
import logging
import re
import struct
import threading
import zlib

import attrs

# The accepted formats' plugins, registered now: Image.open then never calls Image.init(), which
# would import every other plugin too (in each decode's fresh child process, at a cost).
from PIL import (  # noqa: F401
    AvifImagePlugin,
    GifImagePlugin,
    Image,
    ImageFile,
    ImageSequence,
    JpegImagePlugin,
    PngImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

from imagecore import Box, EncodedImage, ImageCodec, ImageLimits, ImageRejected
from imagecore.adapters.pillow_codec import encoders, heic, jpeg
from imagecore.adapters.pillow_codec.heif_items import HEIF_CODINGS, heif_coding, heif_work
from imagecore.adapters.pillow_codec.pixels import (
    QUARTER_TURNS,
    jpeg_decoded_size,
    jpeg_scale,
    match_transparent_colour,
    resize,
    stored_box,
    stored_region,
    to_display_mode,
)
from imagecore.adapters.pillow_codec.placeholder import placeholder
from imagecore.adapters.pillow_codec.profiles import needs_profile, profile_for
from imagecore.adapters.pillow_codec.sniff import refusal
from imagecore.adapters.pillow_codec.structure import (
    UNCHECKABLE_SAMPLING,
    damage,
    gif_canvas,
    jpeg_damage,
    jpeg_scans,
    jpeg_size,
    mended,
)
from imagecore.adapters.pillow_codec.variants import animated_variants, still_variants
from imagecore.errors import (
    CropOutside,
    DecodeOverBudget,
    ImageTooLarge,
    InvalidImage,
    UnsupportedImageType,
)

log = logging.getLogger(__name__)

ACCEPTED = ("JPEG", "PNG", "GIF", "WebP", "AVIF", *heic.FORMATS)
#: Pillow's decoders that may run; no other (EPS, TIFF, PSD, ...) is ever reached.
DECODERS = ["JPEG", "PNG", "GIF", "WEBP", "AVIF", *(["HEIF"] if heic.FORMATS else [])]
JPEG_SIGNATURE = b"\xff\xd8\xff"
#: How the accepted formats' files start (AVIF and HEIC files are ISO media files: "ftyp" at 4).
ACCEPTED_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", JPEG_SIGNATURE, b"RIFF")
#: Formats whose files may hold an animation (a PNG one is an APNG).
ANIMATED = frozenset({"GIF", "WEBP", "PNG"})
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

#: The largest image Pillow decodes without calling it a decompression bomb (as Pillow was set when
#: this module was imported); a pixel limit above it could never be reached.
MAX_PIXELS_SUPPORTED = Image.MAX_IMAGE_PIXELS or 2**31

#: Peak memory per canvas pixel of a WebP of any kind, and of an animation of any format, as
#: measured in a fresh process (tests/adversarial/test_decode_memory.py) and rounded up.
WEBP_BYTES_PER_PIXEL = 16
ANIMATION_BYTES_PER_PIXEL = 14
#: The same for a still decoded by libheif (HEIC: 7.0 to 7.3 measured on phones' 12 MP grids and
#: a generated 24 MP one, per pixel of their whole tiles, with libheif's threads) and libavif
#: (AVIF, 9.0): their planes of luma and chroma, then Pillow's RGB.
BYTES_PER_PIXEL = {"WEBP": WEBP_BYTES_PER_PIXEL, "HEIF": 8, "AVIF": 10}

#: What Pillow's decoders raise on corrupt or truncated data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


class PillowCodec(ImageCodec):
    """Checks and re-encodes uploads with Pillow.

    Upright by EXIF orientation, in sRGB, scaled down to the box, and written afresh in the
    input's format family (or WebP for every still, when ``stills_as_webp``); animations keep
    every frame. At most ``max_concurrent`` uploads are decoded at once, so a burst of large
    images cannot take all the memory.

    Every limit of ``limits`` is checked before any pixel is decoded. The pixel limit is never
    taken above Pillow's own (``PIL.Image.MAX_IMAGE_PIXELS``, read on every call): between that
    and twice it Pillow only warns, so the codec's own check must refuse those images, whatever
    the process's warning filters are. It leaves those filters alone; they are the host's.
    """

    formats = ACCEPTED

    @property
    def max_pixels(self) -> int:
        """Pillow's own limit as it is now: a host may have lowered it since the import."""
        return Image.MAX_IMAGE_PIXELS or MAX_PIXELS_SUPPORTED

    def __init__(
        self,
        *,
        stills_as_webp: bool = False,
        max_concurrent: int = 2,
        memory_budget: int | None = None,
    ) -> None:
        if ImageFile.LOAD_TRUNCATED_IMAGES:
            raise ValueError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay off")
        if max_concurrent < 1:
            # A semaphore of 0 would make every upload wait for ever.
            raise ValueError(f"max_concurrent must be at least 1, got {max_concurrent}")
        self.stills_as_webp = stills_as_webp
        self.memory_budget = memory_budget
        self._decoding = threading.BoundedSemaphore(max_concurrent)

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        if not data:
            raise InvalidImage("empty", ACCEPTED)
        if len(data) > limits.max_bytes:
            raise ImageTooLarge("file", len(data), limits.max_bytes, "bytes")
        max_pixels = min(limits.max_pixels, self.max_pixels)
        declared = min(limits.max_declared_pixels, self.max_pixels)
        limits = attrs.evolve(limits, max_pixels=max_pixels, max_declared_pixels=declared)
        with self._decoding:
            try:
                return self._encode(data, box, limits)
            except (ImageRejected, CropOutside):
                raise
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
                # The warning arrives here only where the host's filters make warnings errors.
                raise ImageTooLarge("image", _pixels_in(error), declared, "pixels") from error
            except _DECODE_ERRORS as error:
                raise InvalidImage("damaged", ACCEPTED) from error
            except MemoryError:
                raise  # not the file's fault alone: the caller (or its budget) decides
            except Exception as error:
                # Decoders meet hostile bytes in ways no list of exceptions foresees (a TypeError
                # deep in an EXIF parser, say); the upload is refused, and the log keeps the trace.
                log.warning("refused an upload Pillow could not process", exc_info=True)
                raise InvalidImage("damaged", ACCEPTED) from error

    def _encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        data = mended(data)
        _check_work(data, limits)  # before anything decodes it, the structure check included
        # A JPEG's data is checked as it decodes, in _still: a second decode would double its cost.
        broken = None if data.startswith(JPEG_SIGNATURE) else damage(data)
        if broken is not None:
            raise InvalidImage("damaged", ACCEPTED, broken)
        if data[4:8] == b"ftyp" and (coding := heif_coding(data)) in HEIF_CODINGS:
            raise UnsupportedImageType(HEIF_CODINGS[coding], ACCEPTED)
        try:
            image = Image.open(io.BytesIO(data), formats=DECODERS)
        except UnidentifiedImageError:
            refused = refusal(data, ACCEPTED)
            named = refused.detected if isinstance(refused, UnsupportedImageType) else None
            if (isinstance(refused, InvalidImage) and data.startswith(ACCEPTED_SIGNATURES)) or (
                named in ACCEPTED or (named == "HEIF" and heic.FORMATS)
            ):
                # One of ours by its signature, with a header no decoder takes: damaged.
                raise InvalidImage("damaged", ACCEPTED, "its header is invalid") from None
            raise refused from None
        with image:
            pixels = image.width * image.height
            if pixels > limits.max_declared_pixels:
                raise ImageTooLarge("image", pixels, limits.max_declared_pixels, "pixels")
            orientation = _orientation(image)
            if image.format in ("JPEG", "MPO"):
                # A JPEG decodes at 1/2, 1/4 or 1/8 scale where its box allows (see _still).
                width, height = jpeg_decoded_size(*image.size, orientation, box)
                pixels = width * height
            if pixels > limits.max_pixels:
                raise ImageTooLarge("image", pixels, limits.max_pixels, "pixels")
            if image.format == "AVIF" and getattr(image, "n_frames", 1) > 1:
                # libavif decodes each frame whole, at a cost no header bounds before it starts;
                # an animation is welcome as GIF or WebP, whose frames are checked first.
                raise UnsupportedImageType("AVIF image sequence", ACCEPTED)
            if image.format in ("AVIF", "HEIF"):
                pixels = _check_heif_work(data, image, pixels, limits)
            if box.crop is not None:
                turned = orientation in QUARTER_TURNS
                upright = (image.height, image.width) if turned else (image.width, image.height)
                if not box.crop.fits(*upright):
                    raise CropOutside(upright)
            output = encoders.BY_INPUT[str(image.format)]
            match_transparent_colour(image)  # before any pixel is decoded
            animated = image.format in ANIMATED and getattr(image, "n_frames", 1) > 1
            if self.memory_budget is not None:
                _check_memory(str(image.format), pixels, animated, self.memory_budget)
            if animated:
                return _animation(image, box, limits, output, orientation)
            if self.stills_as_webp:
                output = encoders.WEBP
            still = self._still(image, data, box, orientation)
            if still.mode == "RGBA" and not output.alpha:
                output = encoders.WEBP  # a HEIC or AVIF with transparency: JPEG would lose it
            return EncodedImage(
                encoders.encode_still(still, output),
                output.extension,
                still.width,
                still.height,
                placeholder(still),
                still_variants(
                    still,
                    box.variant_widths(still.width),
                    encoders.VARIANT_FORMATS[box.variant_type_of(animated=False)],
                ),
            )

    @staticmethod
    def _still(image: ImageFile.ImageFile, data: bytes, box: Box, orientation: int) -> Image.Image:
        stored = image.size
        region = stored_region(box, orientation, *stored)
        if image.format in ("JPEG", "MPO"):
            # Decoded at 1/2, 1/4 or 1/8 scale when the box allows: less work, far less memory.
            scale = jpeg_scale(*stored, orientation, box)
            decoded = _jpeg(image, data, scale)
            if region is not None:
                region = (
                    region[0] / scale,
                    region[1] / scale,
                    region[2] / scale,
                    region[3] / scale,
                )
        elif image.format == "HEIF":
            decoded = _heic(image, data)
        else:
            image.load()
            decoded = image
        shown = resize(
            to_display_mode(decoded, in_place=True), stored_box(box, orientation), region
        )
        # Turned once it is small (see stored_box): the same picture, for far less memory.
        method = UPRIGHT.get(orientation)
        return shown.transpose(method) if method is not None else shown


def _jpeg(image: ImageFile.ImageFile, data: bytes, scale: int) -> Image.Image:
    """A JPEG's pixels at 1/``scale``, decoded once, and refused as damaged if libjpeg warns."""
    try:
        decoded = jpeg.decode(data, image.mode, image.size, scale)
    except jpeg.JpegDamaged as error:
        raise InvalidImage("damaged", ACCEPTED, str(error)) from None
    if decoded is not None:
        if "icc_profile" in image.info:
            decoded.info["icc_profile"] = image.info["icc_profile"]
        return decoded
    # What libjpeg-turbo's API cannot give (CMYK, a colour sampling it has no name for): checked
    # first (see jpeg_damage), then decoded by Pillow.
    broken = jpeg_damage(data)
    if broken == UNCHECKABLE_SAMPLING:
        raise UnsupportedImageType(UNCHECKABLE_SAMPLING, ACCEPTED)
    if broken is not None:
        raise InvalidImage("damaged", ACCEPTED, broken)
    # Asked for the size floored, Pillow's draft picks exactly 1/scale (its reduction is the
    # largest power of two within width // asked, which lies between scale and twice it).
    image.draft(image.mode, (image.width // scale, image.height // scale))
    image.load()
    return image


def _heic(image: ImageFile.ImageFile, data: bytes) -> Image.Image:
    """A HEIC's pixels, decoded strictly: a tile that fails fails the picture."""
    try:
        decoded = heic.decode(data, image.mode)
    except heic.HeicDamaged as error:
        raise InvalidImage("damaged", ACCEPTED, str(error)) from None
    if "icc_profile" in image.info:
        decoded.info["icc_profile"] = image.info["icc_profile"]
    return decoded


def _animation(
    image: ImageFile.ImageFile,
    box: Box,
    limits: ImageLimits,
    output: encoders.Format,
    orientation: int,
) -> EncodedImage:
    # An APNG's default image, when it is not the animation's first frame, is for viewers that
    # cannot animate: browsers never show it, and Pillow gives it as frame 0.
    skipped = 1 if image.format == "PNG" and getattr(image, "default_image", False) else 0
    count = getattr(image, "n_frames", 1) - skipped
    if count > limits.max_frames:
        raise ImageTooLarge("animation", count, limits.max_frames, "frames")
    total = count * image.width * image.height
    if total > limits.max_animation_pixels:
        raise ImageTooLarge(
            "animation", total, limits.max_animation_pixels, "pixels over all frames"
        )
    loop = image.info.get("loop")
    # Browsers turn every frame by the file's orientation, as they turn a still.
    method = UPRIGHT.get(orientation)
    region = stored_region(box, orientation, image.width, image.height)
    frames, durations = [], []
    for n, frame in enumerate(ImageSequence.Iterator(image)):
        if n < skipped:
            continue
        # WebP sets a frame's duration only once it is loaded, which convert does.
        small = resize(to_display_mode(frame), stored_box(box, orientation), region)
        durations.append(int(frame.info.get("duration") or 100))
        rgba = small.convert("RGBA")
        frames.append(rgba.transpose(method) if method is not None else rgba)
    data = encoders.encode_animation(frames, durations, loop, output)
    first = frames[0]
    # A still of the first frame, for places that must not move (Mastodon's avatar_static).
    variant_format = encoders.VARIANT_FORMATS[box.variant_type_of(animated=False)]
    still = EncodedImage(
        encoders.encode_still(first, variant_format),
        variant_format.extension,
        first.width,
        first.height,
    )
    return EncodedImage(
        data,
        output.extension,
        first.width,
        first.height,
        placeholder(first),
        animated_variants(
            frames,
            durations,
            loop,
            box.variant_widths(first.width),
            encoders.VARIANT_FORMATS[box.variant_type_of(animated=True)],
        ),
        still,
    )


def _check_work(data: bytes, limits: ImageLimits) -> None:
    """Refuse, from the bytes alone, a file whose decoding would cost far more than its size and
    pixels say: a progressive JPEG of too many scans, a GIF whose frames imply a larger canvas."""
    if data.startswith(JPEG_SIGNATURE):
        # Before anything decodes it.
        width, height = jpeg_size(data)
        if width * height > limits.max_declared_pixels:
            raise ImageTooLarge("image", width * height, limits.max_declared_pixels, "pixels")
        scans = jpeg_scans(data)
        if scans is None:
            raise InvalidImage("damaged", ACCEPTED, "its segments do not lead to its image data")
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


def _check_heif_work(
    data: bytes, image: ImageFile.ImageFile, pixels: int, limits: ImageLimits
) -> int:
    """Refuse, from its items, a HEIF or AVIF file whose decoding would cost more than the
    picture it shows; the pixels to budget memory for. Give its colours a profile where they
    are named by code."""
    work = heif_work(data)
    if work is None:
        raise InvalidImage("damaged", ACCEPTED, "its items could not be read")
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
        raise InvalidImage("damaged", ACCEPTED, "its tiles add up to far more than the picture")
    if not image.info.get("icc_profile") and work.colour and needs_profile(*work.colour):
        # Colours named by code (Display P3, say): converted as a profile would convert them.
        image.info["icc_profile"] = profile_for(work.colour[0])
    return max(shown, work.decoded)


def _check_memory(format_name: str, pixels: int, animated: bool, budget: int) -> None:
    """Refuse, before decoding, what would need more than ``budget`` bytes: libwebp holds two
    RGBA canvases besides Pillow's copies, libheif and libavif their planes besides Pillow's
    image, and an animation's frames are composed on full-size canvases. (Stills of the other
    formats fit the default budget at the pixel limit.)"""
    per_pixel = BYTES_PER_PIXEL.get(format_name, 0)
    if animated:
        per_pixel = max(per_pixel, ANIMATION_BYTES_PER_PIXEL)
    if pixels * per_pixel > budget:
        raise DecodeOverBudget("memory", budget)


def _orientation(image: Image.Image) -> int:
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


def _pixels_in(error: Exception) -> int | None:
    # Pillow says "Image size (2500000000 pixels) exceeds limit of ...".
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else None
