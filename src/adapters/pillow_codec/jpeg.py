"""A JPEG decoded once, and checked as it decodes.

libjpeg-turbo (through simplejpeg) decodes at the reduced scale the box allows, with its warnings
made errors: data that ends early, or bytes the decoder had to skip, is damage. Pillow's own JPEG
decoder ignores those warnings, so checking them apart cost a second decode of every upload (a
third of the codec's time on a phone's photo).
"""

from __future__ import annotations

import simplejpeg
from PIL import Image

from imagecore.adapters.pillow_codec.structure import jpeg_wording

#: Pillow's modes for JPEGs and what libjpeg-turbo decodes them to; others (CMYK) go to Pillow.
COLOURSPACES = {"RGB": "RGB", "L": "GRAY"}


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
