"""JPEG: its signature, and its picture decoded once and checked as it decodes. Its header is
read before that, in jpeg_segments.

libjpeg-turbo (through simplejpeg) decodes at the reduced scale the box allows, with its warnings
made errors: data that ends early, or bytes the decoder had to skip, is damage. Pillow's own JPEG
decoder ignores those warnings, so checking them apart cost a second decode of every upload (a
third of the codec's time on a phone's photo).
"""

from __future__ import annotations

import io
import re

import simplejpeg
from PIL import Image

from imagecore.adapters.pillow_codec.jpeg_segments import SCAN_END, first_scan, jpeg_scans

SIGNATURE = b"\xff\xd8\xff"
#: Pillow's modes for JPEGs and what libjpeg-turbo decodes them to; others (CMYK) go to Pillow.
COLOURSPACES = {"RGB": "RGB", "L": "GRAY"}


def accept(data: bytes) -> bool:
    return data.startswith(SIGNATURE)


class JpegDamaged(Exception):
    """The JPEG's data is damaged; the message says how, in a few words."""


def decode(data: bytes, mode: str, size: tuple[int, int], scale: int) -> Image.Image | None:
    """The picture of ``data``, a ``size`` JPEG that Pillow opened as ``mode``, decoded at
    1/``scale``; None when libjpeg-turbo cannot give it (a CMYK JPEG, or one whose colour sampling
    its API has no name for), for Pillow to decode.

    Raises :class:`JpegDamaged` when the data is damaged.
    """
    colourspace = COLOURSPACES.get(mode)
    if colourspace is None:
        return None
    width, height = -(-size[0] // scale), -(-size[1] // scale)
    try:
        # The smallest of libjpeg's scales giving at least this size: 1/scale itself.
        pixels = simplejpeg.decode_jpeg(
            data, colourspace, strict=True, min_width=width, min_height=height
        )
    except ValueError as error:
        broken = jpeg_wording(error)
        if broken is None:
            return None  # not damage: Pillow's decoder will say what it cannot do
        raise JpegDamaged(broken) from None
    except Exception:
        raise JpegDamaged("it could not be read") from None
    if pixels.shape[:2] != (height, width):
        return None  # a scale libjpeg-turbo would not pick: Pillow's draft will
    # Pillow shares a grey array's memory; RGB it copies into its own layout (four bytes a
    # pixel), and the array goes when this returns.
    return Image.frombuffer(mode, (width, height), pixels, "raw", mode, 0, 1)


#: TurboJPEG's complaint at a colour sampling it has no name for (luma sampled 1x3, say): its
#: API, which simplejpeg calls, stops there, though libjpeg decodes such a file as browsers do.
_UNNAMED_SAMPLING = "Could not determine subsampling level"
#: The name of the TurboJPEG function that passed a complaint on ("tjDecompress2(): ..."):
#: nothing a person sending a picture should read.
_FUNCTION_NAME = re.compile(r"\b\w+\(\):\s*")


def jpeg_damage(data: bytes) -> str | None:
    """Decoded at an eighth of its size with libjpeg's warnings made errors: data that ends
    early, or bytes the decoder had to skip, is damage. A JPEG whose colour sampling TurboJPEG
    cannot name is checked by another way (see _scan_damage)."""
    try:
        simplejpeg.decode_jpeg(data, strict=True, min_width=1, min_height=1)
    except ValueError as error:
        if _UNNAMED_SAMPLING in str(error):
            return _scan_damage(data)
        return jpeg_wording(error)
    except Exception:
        return "it could not be read"
    return None


def jpeg_wording(error: ValueError) -> str | None:
    """libjpeg's complaint, as the error message's detail, without the name of any function that
    passed it on; None when it is not damage but something the decoder lacks: a feature (the
    decoder itself will say what it cannot do), or a name for the file's colour sampling (Pillow
    decodes it, after jpeg_damage has checked it)."""
    message = _FUNCTION_NAME.sub("", str(error)).strip().rstrip(".")
    if "Unsupported" in message or "unsupported" in message or _UNNAMED_SAMPLING in message:
        return None
    return message[:1].lower() + message[1:]


#: What follows the scan data handed to Pillow in _scan_damage: libjpeg-turbo refills its bit
#: buffer to 57 bits (25 where the buffer is 32 bits wide), so it reads at most eight bytes past
#: the last bit it decodes. Zeros are never a marker, and make a stuffed data byte of a 0xFF a
#: cut may have left at the end.
_FILLER = bytes(8)


#: _scan_damage's answer for a JPEG of several scans, which it cannot check: not damage, a kind
#: of file the codec does not take.
UNCHECKABLE_SAMPLING = "JPEG of several scans with an unusual colour sampling"


def _scan_damage(data: bytes) -> str | None:
    """Whether a JPEG's one scan holds all the data its picture needs, asked of Pillow's libjpeg,
    which decodes any colour sampling but drops every warning.

    The scan's data goes without what follows it (the end-of-image marker above all), then
    _FILLER. Whole, it gives libjpeg every block before it reads past the filler, and Pillow the
    picture (at an eighth of its size: the data is decoded whole at any scale). Ending early (a
    file cut, or cut and closed), it has libjpeg decode the filler as data and ask for more,
    and Pillow calls the file truncated. The gaps: a scan that lost only its last few bytes (up
    to a few dozen in the files tried), whose blocks the filler's zeros complete, passes, its
    last blocks decoded as libjpeg decodes the file itself, from zero bits; and bits changed
    inside the scan pass as often as not, Pillow dropping the warnings that would tell.

    Only a JPEG of one scan can be asked this way: libjpeg reads a file of several up to its
    end-of-image marker before it gives a row. Such a file is refused.
    """
    if (jpeg_scans(data) or 0) > 1:
        return UNCHECKABLE_SAMPLING
    start = first_scan(data)
    if start is None:
        start = len(data)
    header_end = start + 2 + int.from_bytes(data[start + 2 : start + 4], "big")
    if header_end > len(data):
        return "the file ends before its image data"
    after = SCAN_END.search(data, header_end)
    probe = data[: after.start() if after else len(data)] + _FILLER
    try:
        with Image.open(io.BytesIO(probe), formats=["JPEG"]) as image:
            image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except OSError:
        return "its image data ends before the picture does"
    except Exception:
        return "it could not be read"
    return None
