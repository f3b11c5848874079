"""The image codec on Pillow: decide by content, decode under limits, re-encode without metadata."""

from __future__ import annotations

import io
import logging
import re
import struct
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
from imagecore.adapters.pillow_codec import costs, encoders, heic, heif, jpeg
from imagecore.adapters.pillow_codec.animation import animation
from imagecore.adapters.pillow_codec.fingerprint import fingerprint_of
from imagecore.adapters.pillow_codec.focus import suggested_focus
from imagecore.adapters.pillow_codec.formats import ACCEPTED, DECODERS, damage, mended
from imagecore.adapters.pillow_codec.jpeg import UNCHECKABLE_SAMPLING, jpeg_damage
from imagecore.adapters.pillow_codec.orientation import UPRIGHT, shown_orientation
from imagecore.adapters.pillow_codec.pixels import (
    QUARTER_TURNS,
    focus_within,
    jpeg_decoded_size,
    jpeg_scale,
    match_transparent_colour,
    resize,
    stored_box,
    stored_region,
    to_display_mode,
)
from imagecore.adapters.pillow_codec.placeholder import placeholder
from imagecore.adapters.pillow_codec.sniff import refusal
from imagecore.adapters.pillow_codec.variants import still_variants
from imagecore.errors import CropOutside
from imagecore.model import Focus
from imagecore.rejections import ImageTooLarge, InvalidImage, UnsupportedImageType

log = logging.getLogger(__name__)

#: Formats whose files may hold an animation (a PNG one is an APNG).
ANIMATED = frozenset({"GIF", "WEBP", "PNG"})
#: The largest image Pillow decodes without calling it a decompression bomb (as Pillow was set when
#: this module was imported); a pixel limit above it could never be reached.
MAX_PIXELS_SUPPORTED = Image.MAX_IMAGE_PIXELS or 2**31

#: What Pillow's decoders raise on corrupt or truncated data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


class PillowCodec(ImageCodec):
    """Checks and re-encodes uploads with Pillow.

    Upright by EXIF orientation, in sRGB, scaled down to the box, and written afresh in the
    input's format family (or WebP for every still, when ``stills_as_webp``); animations keep
    every frame. How many decode at once is the caller's to bound: wrapped in a
    :class:`~imagecore.decode_limit.SlottedCodec`, as the HTTP app and the command do.

    Each image carries its fingerprint (:mod:`.fingerprint`), for a blocklist to tell it again;
    ``fingerprints=False`` spares a host that keeps no blocklist the few milliseconds it costs.

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
        memory_budget: int | None = None,
        fingerprints: bool = True,
    ) -> None:
        if ImageFile.LOAD_TRUNCATED_IMAGES:
            raise ValueError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay off")
        self.stills_as_webp = stills_as_webp
        self.memory_budget = memory_budget
        self.fingerprints = fingerprints

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        if not data:
            raise InvalidImage("empty", ACCEPTED)
        if len(data) > limits.max_bytes:
            raise ImageTooLarge("file", len(data), limits.max_bytes, "bytes")
        max_pixels = min(limits.max_pixels, self.max_pixels)
        declared = min(limits.max_declared_pixels, self.max_pixels)
        limits = attrs.evolve(limits, max_pixels=max_pixels, max_declared_pixels=declared)
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
        # Before anything decodes it, the structure check included.
        costs.check_work(data, limits, ACCEPTED)
        # A JPEG's data is checked as it decodes, in _still: a second decode would double its cost.
        broken = None if jpeg.accept(data) else damage(data)
        if broken is not None:
            raise InvalidImage("damaged", ACCEPTED, broken)
        if (coding := heif.other_coding(data)) is not None:
            raise UnsupportedImageType(coding, ACCEPTED)
        try:
            image = _open(data)
        except UnidentifiedImageError:
            raise refusal(data, ACCEPTED) from None
        with image:
            pixels = image.width * image.height
            if pixels > limits.max_declared_pixels:
                raise ImageTooLarge("image", pixels, limits.max_declared_pixels, "pixels")
            orientation = shown_orientation(image)
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
                pixels = costs.check_heif_work(data, image, pixels, limits, ACCEPTED)
            if box.crop is not None:
                turned = orientation in QUARTER_TURNS
                upright = (image.height, image.width) if turned else (image.width, image.height)
                if not box.crop.fits(*upright):
                    raise CropOutside(upright)
            output = encoders.BY_INPUT[str(image.format)]
            match_transparent_colour(image)  # before any pixel is decoded
            animated = image.format in ANIMATED and getattr(image, "n_frames", 1) > 1
            if self.memory_budget is not None:
                costs.check_memory(str(image.format), pixels, animated, self.memory_budget)
            if animated:
                return animation(image, box, limits, output, orientation, self.fingerprints)
            if self.stills_as_webp:
                output = encoders.WEBP
            still = self._still(image, data, box, orientation)
            upright = (image.height, image.width) if orientation in QUARTER_TURNS else image.size
            focus = focus_within(box, *upright) or _suggested(still)
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
                fingerprint=fingerprint_of(still) if self.fingerprints else None,
                focus=focus,
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


def _suggested(still: Image.Image) -> Focus:
    """The point the picture's detail, colour and skin draw the eye to (see focus)."""
    x, y = suggested_focus(still)
    return Focus(x, y, suggested=True)


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


def _open(data: bytes) -> ImageFile.ImageFile:
    """``data`` opened by the decoder of its format (its header read, nothing decoded)."""
    if heic.FORMATS and heic.accept(data):
        try:
            return heic.open_image(data)
        except SyntaxError:
            raise UnidentifiedImageError("not a HEIC pillow_heif can open") from None
    # Of the accepted formats' decoders, those in Pillow's registry: HEIF's is opened above.
    return Image.open(io.BytesIO(data), formats=[d for d in DECODERS if d != "HEIF"])


def _pixels_in(error: Exception) -> int | None:
    # Pillow says "Image size (2500000000 pixels) exceeds limit of ...".
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else None
