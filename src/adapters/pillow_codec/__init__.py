"""The image codec on Pillow.

Only the JPEG, PNG, GIF and WebP decoders ever run. Every stored file is encoded afresh from
decoded pixels, so nothing the client sent (EXIF with GPS, XMP, comments, text chunks, thumbnails,
trailing bytes) reaches storage.
"""

from imagecore.adapters.pillow_codec.codec import ACCEPTED, MAX_PIXELS_SUPPORTED, PillowCodec

__all__ = ["ACCEPTED", "MAX_PIXELS_SUPPORTED", "PillowCodec"]
