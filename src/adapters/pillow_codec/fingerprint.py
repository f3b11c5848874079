"""A picture's fingerprint, taken from its pixels as they are shown, in the decode process."""

from __future__ import annotations

import hashlib

from PIL import Image

from imagecore.adapters.pillow_codec.pdq import MAX_SIDE, pdq_of
from imagecore.model import Fingerprint


def fingerprint_of(picture: Image.Image) -> Fingerprint:
    """The SHA-256 of ``picture``'s pixels (its mode and size included) and its PDQ hash,
    taken from a copy at most MAX_SIDE a side, reduced by a whole factor: a box filter at a
    fraction of a resampling's cost, as PDQ blurs it anyway. (SHA-256: the processors' own
    instructions make it the fastest of hashlib's here.)"""
    exact = hashlib.sha256()
    exact.update(f"{picture.mode} {picture.width}x{picture.height}\n".encode())
    exact.update(picture.tobytes())
    factor = -(-max(picture.width, picture.height) // MAX_SIDE)
    small = picture.reduce(factor) if factor > 1 else picture
    perceptual = pdq_of(small)
    return Fingerprint(exact.hexdigest(), perceptual.hash, perceptual.quality)
