"""HEIF and AVIF, ISO media files (ISO/IEC 23008-12) told apart from their first bytes on: the
brands of their ``ftyp`` box, which name a file, and the coding of its primary picture, which
says which decoder reads it. Their items are read in heif_items (over heif_boxes), an AV1
bitstream's sequence header in av1, and HEIC decoded in heic. Every function takes any bytes and
answers without raising."""

from __future__ import annotations

from imagecore.adapters.pillow_codec.heif_items import heif_coding

#: Peak memory per pixel of a still decoded by libavif (9.0 measured, as for HEIC in heic): its
#: planes of luma and chroma, then Pillow's RGB.
AVIF_BYTES_PER_PIXEL = 10

#: ISO media brands (in an ``ftyp`` box) that say what a file holds.
_BRANDS: dict[bytes, str] = {
    b"avif": "AVIF",
    b"avis": "AVIF image sequence",
    b"avio": "AVIF image sequence",  # one of intra frames only
    b"heic": "HEIC",
    b"heix": "HEIC",  # 10-bit, or range extensions
    b"heim": "HEIC",  # multiview
    b"heis": "HEIC",  # scalable: layers of one still, not a sequence
    b"hevc": "HEIC image sequence",
    b"hevx": "HEIC image sequence",
    b"hevm": "HEIC image sequence",
    b"hevs": "HEIC image sequence",
}
#: Brands any HEIF file may carry besides its codec's: they name it only when none of those does.
_GENERIC_BRANDS: dict[bytes, str] = {
    b"mif1": "HEIF",
    b"mif2": "HEIF",
    b"miaf": "HEIF",
    b"msf1": "HEIF image sequence",
}
_MAX_BRANDS = 64
#: The structural brand of the compact layout (ISO/IEC 23008-12 amendment 2): a ``mini`` box
#: right after the ``ftyp`` box stands in for ``meta``. The bundled libavif refuses such a file,
#: and the codec hands libheif only files whose ``meta`` box it has checked first. With ``mif3``
#: as the major brand the minor version holds the codec's brand.
_COMPACT_BRAND = b"mif3"
_COMPACT_CODECS: dict[bytes, str] = {
    b"avif": "AVIF",
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"heim": "HEIC",
    b"heis": "HEIC",
}

#: Codings a HEIF file's image items may use besides HEVC and AV1, by item type (ISO/IEC
#: 23008-12 and 23001-17): named when an upload uses them, not called damaged.
_OTHER_CODINGS = {
    b"avc1": "AVC (H.264) in HEIF",
    b"evc1": "EVC in HEIF",
    b"j2k1": "JPEG 2000 in HEIF",
    b"jpeg": "JPEG in HEIF",
    b"unci": "uncompressed HEIF (ISO/IEC 23001-17)",
    b"vvc1": "VVC (H.266) in HEIF",
}


def iso_media(data: bytes) -> bool:
    return data[4:8] == b"ftyp"


def is_avif(data: bytes) -> bool:
    """Whether ``data`` is a HEIF file whose primary picture is coded in AV1, whatever its
    brands say: what libavif decodes."""
    return iso_media(data) and heif_coding(data) == b"av01"


def other_coding(data: bytes) -> str | None:
    """The name of the coding a HEIF file's primary picture is in, when neither HEVC nor AV1 is
    it but one no decoder here reads."""
    return _OTHER_CODINGS.get(heif_coding(data) or b"") if iso_media(data) else None


def brand_name(data: bytes) -> str | None:
    """What the brands of an ``ftyp`` box say the file holds: a codec's brand first, a generic
    HEIF brand only without one, and the compact layout by name."""
    # An ftyp box: size, "ftyp", the major brand, a minor version, then compatible brands.
    if not iso_media(data) or len(data) < 12:
        return None
    size = int.from_bytes(data[:4], "big")
    end = min(size, len(data), 16 + 4 * _MAX_BRANDS)
    brands = [data[8:12], *(data[at : at + 4] for at in range(16, end - 3, 4))]
    if size >= 16 and _COMPACT_BRAND in brands and data[size + 4 : size + 8] == b"mini":
        # Named as a layout we do not take, not as the AVIF or HEIC it holds: called that, the
        # file would be refused as damaged, and it is not.
        minor = [data[12:16]] if data[8:12] == _COMPACT_BRAND else []
        codec = (_COMPACT_CODECS[b] for b in (*minor, *brands) if b in _COMPACT_CODECS)
        return f"compact {next(codec, 'HEIF')}"
    for table in (_BRANDS, _GENERIC_BRANDS):
        for brand in brands:
            if brand in table:
                return table[brand]
    return None
