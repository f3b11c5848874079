"""The image codec on Pillow.

Only the accepted formats' decoders ever run. Every stored file is encoded afresh from decoded
pixels, so nothing the client sent (EXIF with GPS, XMP, comments, text chunks, thumbnails,
trailing bytes) reaches storage.

Laid out as Pillow lays out its plugins: the pipeline in codec; one table of the accepted
formats in formats; a module per format owning its signature, structure check, header facts and
budget (jpeg with jpeg_segments, png, gif, webp, and heif with heif_items, heif_boxes, av1 and
heic); the naming of what is refused in sniff and other_formats.
"""

from imagecore.adapters.pillow_codec.codec import MAX_PIXELS_SUPPORTED, PillowCodec
from imagecore.adapters.pillow_codec.formats import ACCEPTED

__all__ = ["ACCEPTED", "MAX_PIXELS_SUPPORTED", "PillowCodec"]
