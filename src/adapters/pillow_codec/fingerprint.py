"""A picture's fingerprint, taken from its pixels as they are shown, in the decode process."""

from __future__ import annotations

import hashlib

from PIL import Image

from imagecore.adapters.pillow_codec.pdq import MAX_SIDE, WHOLE, Crop, pdqs_of
from imagecore.model import Fingerprint

#: The crops whose PDQ hashes a fingerprint keeps beside the whole's, so that a copy cut by 5 %
#: is still told: 2.5 % off each side (centred), 5 % off one side, and 5 % off two sides that
#: meet (a corner: 95 % of the width and of the height kept). A plain PDQ hash bears little
#: cropping: on the photographs of the tests a copy's hash is within 31 bits of a crop's only
#: when their margins differ by about 1 % of a side at most, so each of these nine ways of
#: cutting 5 % needs a hash of its own (and a cut of 10 % would need nine more).
CROPS = (
    Crop(0.025, 0.025, 0.025, 0.025),
    Crop(left=0.05),
    Crop(top=0.05),
    Crop(right=0.05),
    Crop(bottom=0.05),
    Crop(left=0.05, top=0.05),
    Crop(top=0.05, right=0.05),
    Crop(right=0.05, bottom=0.05),
    Crop(bottom=0.05, left=0.05),
)


def fingerprint_of(picture: Image.Image) -> Fingerprint:
    """The SHA-256 of ``picture``'s pixels (its mode and size included), its PDQ hash, and the
    PDQ hashes of its :data:`CROPS`, in their order, all taken from one copy at most MAX_SIDE a
    side, reduced by a whole factor: a box filter at a fraction of a resampling's cost, as PDQ
    blurs it anyway. The crops share that copy's luma and the first pass of its blur, so that
    each costs its 64 x 64 samples alone. A transparent picture is hashed as shown on black:
    the colours under its transparent pixels, which nobody sees, do not count, or repainting
    them would carry a taken-down picture past its block. (Black, as most files store a
    transparent pixel already: their hash is then the one PDQ's reference, which reads colour
    alone, gives them, and the one a shared list holds.) (SHA-256: the processors' own
    instructions make it the fastest of hashlib's here.)"""
    exact = hashlib.sha256()
    exact.update(f"{picture.mode} {picture.width}x{picture.height}\n".encode())
    exact.update(picture.tobytes())
    factor = -(-max(picture.width, picture.height) // MAX_SIDE)
    small = picture.reduce(factor) if factor > 1 else picture
    whole, *crops = pdqs_of(_on_black(small), (WHOLE, *CROPS))
    return Fingerprint(exact.hexdigest(), whole.hash, whole.quality, tuple(c.hash for c in crops))


def _on_black(picture: Image.Image) -> Image.Image:
    """``picture`` over black, where it has transparency."""
    if picture.mode not in ("RGBA", "LA", "PA") and "transparency" not in picture.info:
        return picture
    rgba = picture.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "black"), rgba).convert("RGB")
