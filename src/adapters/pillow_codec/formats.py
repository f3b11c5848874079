"""The accepted formats, one table that everything telling them apart reads: the decoders the
pipeline lets run, the signatures by which a refusal calls a file damaged rather than unknown,
each format's structure check and mend, and the budgets read from headers. What a row names,
its format's module owns (as each of Pillow's plugins owns its ``_accept``).

Pillow decodes a PNG whose chunk checksums are wrong or whose end chunk is missing, a GIF that
stops before its trailer, and a JPEG whose data breaks off (libjpeg only warns, and Pillow drops
its warnings, then fills the missing rows with grey), without a word. Such a file was cut short
or changed on the way; it is refused as damaged, whatever a decoder would make of it. Each check
never raises: what it cannot parse is damage too.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from imagecore import ImageLimits
from imagecore.adapters.pillow_codec import gif, heic, heif, jpeg, jpeg_segments, png, webp
from imagecore.adapters.pillow_codec.heif_items import avif_mended


@attrs.frozen
class Format:
    """An accepted format, as the codec tells it before any decoder runs."""

    #: Its name, as refusals list the accepted formats.
    name: str
    #: The name of Pillow's decoder for it.
    decoder: str
    #: Whether bytes are a file of this format (Pillow's ``_accept``).
    accept: Callable[[bytes], bool]
    #: How its files start: bytes that start so and that no decoder opens are a damaged file.
    signatures: tuple[bytes, ...] = ()
    #: What sniffing may call its files besides its name.
    also_named: tuple[str, ...] = ()
    #: What is wrong with a file's structure, in a few words; None when nothing is.
    damage: Callable[[bytes], str | None] | None = None
    #: A file as the decoders browsers use read it, where they pass over a fault without a word.
    mend: Callable[[bytes], bytes] | None = None
    #: Refuses, from the header, a file whose decoding would cost far more than its size says.
    check_work: Callable[[bytes, ImageLimits, tuple[str, ...]], None] | None = None
    #: Peak memory per pixel of a still, where it is more than the codec's default budget covers.
    bytes_per_pixel: int = 0


FORMATS: tuple[Format, ...] = (
    Format(
        "JPEG",
        "JPEG",
        jpeg.accept,
        (jpeg.SIGNATURE,),
        damage=jpeg.jpeg_damage,
        mend=jpeg_segments.jpeg_mended,
        check_work=jpeg_segments.check_work,
    ),
    Format(
        "PNG",
        "PNG",
        png.accept,
        (png.SIGNATURE,),
        damage=png.png_damage,
        mend=png.png_mended,
    ),
    Format(
        "GIF",
        "GIF",
        gif.accept,
        gif.SIGNATURES,
        damage=gif.gif_damage,
        check_work=gif.check_work,
    ),
    Format(
        "WebP",
        "WEBP",
        webp.accept,
        (webp.SIGNATURE,),
        damage=webp.webp_damage,
        bytes_per_pixel=webp.BYTES_PER_PIXEL,
    ),
    # An ISO media file has no signature at its start: its brands and items tell it (see heif).
    Format(
        "AVIF",
        "AVIF",
        heif.is_avif,
        mend=avif_mended,
        bytes_per_pixel=heif.AVIF_BYTES_PER_PIXEL,
    ),
    # Only where libheif decodes strictly (see heic); a file of generic HEIF brands alone is then
    # libheif's to read.
    *(
        Format(
            name,
            "HEIF",
            heic.accept,
            also_named=("HEIF",),
            bytes_per_pixel=heic.BYTES_PER_PIXEL,
        )
        for name in heic.FORMATS
    ),
)

#: The accepted formats' names, in the order refusals list them.
ACCEPTED = tuple(known.name for known in FORMATS)
#: Pillow's decoders that may run; no other (EPS, TIFF, PSD, ...) is ever reached.
DECODERS = tuple(known.decoder for known in FORMATS)
SIGNATURES = tuple(signature for known in FORMATS for signature in known.signatures)
#: The rows by the name Pillow gives an image it opened (``image.format``).
BY_DECODER = {known.decoder: known for known in FORMATS}


def named(name: str) -> bool:
    """Whether sniffing's name for a file is one of the accepted formats'."""
    return any(name == known.name or name in known.also_named for known in FORMATS)


def damage(data: bytes) -> str | None:
    """What is wrong with the structure of ``data``, in a few words, if it is of a checked
    format; ``None`` when nothing is, or when it is not."""
    for known in FORMATS:
        if known.damage is not None and known.accept(data):
            return known.damage(data)
    return None


def mended(data: bytes) -> bytes:
    """``data`` as the decoders browsers use read it, where they pass over a fault without a word
    and show the picture whole; ``data`` itself when there is nothing to pass over. Never raises."""
    for known in FORMATS:
        if known.mend is not None and known.accept(data):
            return known.mend(data)
    return data
