"""The image codec on Pillow.

Only the JPEG, PNG, GIF and WebP decoders ever run. Every stored file is encoded afresh from
decoded pixels, so nothing the client sent (EXIF with GPS, XMP, comments, text chunks, thumbnails,
trailing bytes) reaches storage.
"""

from imagecore.adapters.pillow_codec.codec import ACCEPTED, DEFAULT_BOXES, Limits, PillowCodec
from imagecore.adapters.pillow_codec.pixels import OutputBox

__all__ = ["ACCEPTED", "DEFAULT_BOXES", "Limits", "OutputBox", "PillowCodec"]
