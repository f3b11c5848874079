"""Real image files made on the spot, so no test depends on a download."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
#: A GPS IFD's position: 51 deg 30 min N, 0 deg 7 min W.
WHERE = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}


def encode(image: Image.Image, format_name: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format_name, **options)
    return out.getvalue()


def png(
    size: tuple[int, int] = (64, 48), color: object = (200, 30, 30), mode: str = "RGB"
) -> bytes:
    return encode(Image.new(mode, size, color), "PNG")  # type: ignore[arg-type]


def jpeg(
    size: tuple[int, int] = (64, 48), color: object = (30, 120, 200), **options: object
) -> bytes:
    return encode(Image.new("RGB", size, color), "JPEG", **options)  # type: ignore[arg-type]


def gif(size: tuple[int, int] = (32, 32)) -> bytes:
    return encode(Image.new("RGB", size, (10, 200, 10)), "GIF")


def webp(size: tuple[int, int] = (40, 30)) -> bytes:
    return encode(Image.new("RGBA", size, (10, 20, 200, 128)), "WEBP")


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def jpeg_with_metadata(orientation: int = 1, size: tuple[int, int] = (60, 40)) -> bytes:
    """A JPEG carrying GPS coordinates, a camera serial number, an orientation and a comment."""
    image = Image.new("RGB", size, (90, 90, 90))
    # A white block in the top-left corner of the stored pixels shows where rotation moves it.
    image.paste((255, 255, 255), (0, 0, size[0] // 3, size[1] // 3))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber
    exif.get_ifd(GPS_IFD).update(WHERE)
    return encode(image, "JPEG", exif=exif, comment=b"secret comment")


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    return encode(Image.new("RGB", (20, 20), (1, 2, 3)), "PNG", pnginfo=info)


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels: a decompression bomb."""
    data = png((1, 1))
    ihdr_start = 8 + 8  # signature, then the IHDR chunk's length and type
    fields = struct.pack(">II", width, height) + data[ihdr_start + 8 : ihdr_start + 13]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + fields))
    return data[:ihdr_start] + fields + crc + data[ihdr_start + 17 :]


# --- Pictures whose pixels tell whether they were turned, cropped or colour-converted ----------

RED, GREEN, BLUE, GREY = (230, 20, 20), (20, 200, 20), (20, 20, 230), (128, 128, 128)


def marked(size: tuple[int, int] = (60, 40)) -> Image.Image:
    """Grey, with a red top-left, a green top-right and a blue bottom-left corner block."""
    width, height = size
    image = Image.new("RGB", size, GREY)
    bw, bh = width // 4, height // 4
    image.paste(RED, (0, 0, bw, bh))
    image.paste(GREEN, (width - bw, 0, width, bh))
    image.paste(BLUE, (0, height - bh, bw, height))
    return image


def corners(image: Image.Image) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """The colours near the top-left, top-right and bottom-left corners."""
    rgb = image.convert("RGB")
    w, h = rgb.size
    dx, dy = max(1, w // 16), max(1, h // 16)
    return (
        rgb.getpixel((dx, dy)),  # type: ignore[return-value]
        rgb.getpixel((w - 1 - dx, dy)),
        rgb.getpixel((dx, h - 1 - dy)),
    )


def close(color: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color, expected, strict=False))


#: How to store a picture so that a viewer applying EXIF orientation N shows it upright:
#: the inverse of the transform the orientation asks for (EXIF 2.32, tag 0x0112).
STORE_FOR_ORIENTATION: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # shown after turning 90 degrees clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,  # shown after turning 90 degrees anticlockwise
}


def phone_photo(
    orientation: int, size: tuple[int, int] = (60, 40), format_name: str = "JPEG"
) -> bytes:
    """The marked picture stored turned for ``orientation``, with GPS, a serial and a comment."""
    upright = marked(size)
    method = STORE_FOR_ORIENTATION[orientation]
    stored = upright if method is None else upright.transpose(method)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0xA431] = "SERIAL-12345"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    options: dict[str, object] = {"exif": exif}
    if format_name == "JPEG":
        options |= {"comment": b"secret comment", "quality": 95}
    return encode(stored, format_name, **options)


# --- Files built byte by byte, for what Pillow's encoders will not write -----------------------


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png16_rgb(size: tuple[int, int], rgb16: tuple[int, int, int]) -> bytes:
    """A 16-bit-per-channel RGB PNG of one colour."""
    width, height = size
    row = b"\x00" + struct.pack(">HHH", *rgb16) * width
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(row * height))
        + png_chunk(b"IEND", b"")
    )


def jpeg_with_segments(data: bytes, *segments: tuple[int, bytes]) -> bytes:
    """``data`` (a JPEG) with extra APPn/COM segments inserted right after its SOI marker."""
    extra = b"".join(
        bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body for marker, body in segments
    )
    return data[:2] + extra + data[2:]


def gif_claiming_size(width: int, height: int) -> bytes:
    """A tiny GIF whose logical screen declares ``width`` x ``height``: a decompression bomb."""
    data = encode(Image.new("P", (1, 1)), "GIF")
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def swapped_primaries_icc() -> bytes:
    """An RGB ICC profile whose red and green primaries are sRGB's green and red.

    A pixel (255, 0, 0) tagged with it is, correctly converted, pure sRGB green: a colour
    management test no rounding can pass by accident.
    """
    srgb_red, srgb_green, srgb_blue = (
        (0.4361, 0.2225, 0.0139),
        (0.3851, 0.7169, 0.0971),
        (0.1431, 0.0606, 0.7141),
    )

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ " + b"\x00" * 4 + b"".join(_s15(v) for v in values)

    gamma = b"curv" + b"\x00" * 4 + struct.pack(">IH", 1, 0x0233) + b"\x00\x00"  # gamma 2.2
    text = b"Swapped primaries\x00"
    desc = b"desc" + b"\x00" * 4 + struct.pack(">I", len(text)) + text + b"\x00" * 79
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(srgb_green)),
        (b"gXYZ", xyz(srgb_red)),
        (b"bXYZ", xyz(srgb_blue)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
        (b"cprt", b"text" + b"\x00" * 4 + b"none\x00"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, blobs = b"", b""
    for signature, blob in tags:
        blob += b"\x00" * (-len(blob) % 4)
        table += signature + struct.pack(">II", offset + len(blobs), len(blob))
        blobs += blob
    body = struct.pack(">I", len(tags)) + table + blobs
    header = (
        struct.pack(">I", 128 + len(body))
        + b"none"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + b"APPL"
        + bytes(4 + 4 + 4 + 8 + 4)
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"none"
        + bytes(16 + 28)
    )
    assert len(header) == 128, len(header)
    return header + body


def ycck_jpeg(rgb: tuple[int, int, int], size: tuple[int, int] = (32, 32)) -> bytes:
    """A YCCK JPEG (Adobe transform 2, as Photoshop writes CMYK) showing ``rgb``.

    Pillow writes CMYK JPEGs untransformed, so the YCC values are computed here, written as the
    first three channels (Pillow inverts Adobe CMYK on the way), and the Adobe marker's transform
    byte is set to 2: decoders then convert them back, as from any YCCK file.
    """
    red, green, blue = rgb
    y = 0.299 * red + 0.587 * green + 0.114 * blue
    cb = 128 - 0.168736 * red - 0.331264 * green + 0.5 * blue
    cr = 128 + 0.5 * red - 0.418688 * green - 0.081312 * blue
    # YCCK holds inverted CMY: encode the colour of (255 - rgb), with no black.
    y, cb, cr = 255 - y, 255 - cb, 255 - cr
    channels = tuple(255 - max(0, min(255, round(v))) for v in (y, cb, cr, 255))
    data = bytearray(encode(Image.new("CMYK", size, channels), "JPEG", quality=100))
    adobe = data.find(b"Adobe")
    assert adobe > 0 and data[adobe + 11] == 0
    data[adobe + 11] = 2
    return bytes(data)


def scan_bomb(scans: int = 3000) -> bytes:
    """A 12 MP progressive JPEG whose last scan is repeated ``scans`` times: about 160 KB, each
    repeat one more pass over every block, tens of seconds of decoding in all."""
    data = encode(Image.new("RGB", (4000, 3000), (90, 120, 150)), "JPEG", progressive=True)
    last = data.rindex(b"\xff\xda")
    return data[:-2] + data[last:-2] * scans + b"\xff\xd9"


def gif_with_frames_at(*offsets: tuple[int, int]) -> bytes:
    """A GIF with a 1x1 screen and one 1x1 frame at each offset."""
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255)]
    frames = [Image.new("RGB", (1, 1), colours[n % 5]) for n in range(len(offsets))]
    data = bytearray(encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50))
    at, placed = 0, 0
    while placed < len(offsets):
        at = data.index(b"\x2c", at)
        if struct.unpack("<4H", data[at + 1 : at + 9])[2:] == (1, 1):
            data[at + 1 : at + 5] = struct.pack("<2H", *offsets[placed])
            placed += 1
        at += 1
    return bytes(data)


#: The colours of :func:`quadrants`, top left, top right, bottom left, bottom right.
QUADRANT_COLOURS = ((220, 30, 30), (30, 180, 40), (30, 60, 220), (230, 210, 30))


def two_colours(mode: str = "RGB", size: tuple[int, int] = (12, 8)) -> Image.Image:
    """A small picture with two colours in it, in ``mode``."""
    image = Image.new("RGB", size, (200, 30, 10))
    image.paste((10, 40, 220), (0, 0, size[0] // 2, size[1]))
    return image.convert(mode)


def quadrants(size: tuple[int, int]) -> Image.Image:
    """A picture of four plain quadrants, each of its own colour (QUADRANT_COLOURS)."""
    width, height = size
    picture = Image.new("RGB", size)
    for n, colour in enumerate(QUADRANT_COLOURS):
        left, top = (n % 2) * width // 2, (n // 2) * height // 2
        picture.paste(colour, (left, top, left + width // 2, top + height // 2))
    return picture


def exif_bytes(orientation: int | None = None, gps: bool = False) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update(WHERE)
    return exif.tobytes()


def heic(picture: Image.Image, orientation: int | None = None, **options: object) -> bytes:
    """``picture`` as libheif writes a HEIC; an EXIF ``orientation`` becomes the container's
    rotation and mirror (irot, imir), and stays in the EXIF too, as an iPhone leaves it."""
    import pillow_heif

    heif = pillow_heif.from_pillow(picture)
    out = io.BytesIO()
    if orientation is not None:
        options = {"exif": exif_bytes(orientation), **options}
    heif.save(out, quality=90, **options)
    return out.getvalue()


def avif(picture: Image.Image, orientation: int | None = None, **options: object) -> bytes:
    """``picture`` as Pillow writes an AVIF; an EXIF ``orientation`` becomes irot and imir."""
    if orientation is not None:
        options = {"exif": exif_bytes(orientation), **options}
    return encode(picture, "AVIF", quality=90, **options)


def iso_box_patched(data: bytes, kind: bytes, payload: bytes, skip: int = 4) -> bytes:
    """``data`` with the first ``kind`` box's content, after ``skip`` bytes (a full box's
    version and flags), overwritten by ``payload``: same length, so every offset stays true."""
    at = data.index(kind) + 4 + skip
    return data[:at] + payload + data[at + len(payload) :]


def exif_with_thumbnail(thumbnail: bytes) -> bytes:
    """EXIF (big-endian TIFF) as a camera writes it: IFD0 pointing to a GPS IFD (latitude
    north), and IFD1 holding ``thumbnail``, a JPEG."""

    def entry(tag: int, kind: int, count: int, value: bytes) -> bytes:
        return struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\x00")

    # IFD0 at 8 (18 bytes), the GPS IFD at 26 (18), IFD1 at 44 (30), the thumbnail at 74.
    ifd0 = (
        struct.pack(">H", 1) + entry(GPS_IFD, 4, 1, struct.pack(">I", 26)) + struct.pack(">I", 44)
    )
    gps = struct.pack(">H", 1) + entry(1, 2, 2, b"N\x00") + struct.pack(">I", 0)
    ifd1 = (
        struct.pack(">H", 2)
        + entry(0x0201, 4, 1, struct.pack(">I", 74))
        + entry(0x0202, 4, 1, struct.pack(">I", len(thumbnail)))
        + struct.pack(">I", 0)
    )
    return b"MM\x00*" + struct.pack(">I", 8) + ifd0 + gps + ifd1 + thumbnail


def heif_item_extent(data: bytes, item: int) -> tuple[int, int]:
    """Where item ``item``'s coded data lies in a HEIF file (offset, length), by its iloc box
    (version 0 or 1, one extent, as libheif writes them)."""
    offset, length, _ = _heif_item_location(data, item)
    return offset, length


def heif_item_prefixed(data: bytes, item: int, prefix: bytes) -> bytes:
    """The HEIF file with ``prefix`` put in front of item ``item``'s coded data, its extent's
    length and its mdat's size grown to match (the item's data the last in the file, with a
    four-byte length field, as libheif writes a still image)."""
    start, length, length_at = _heif_item_location(data, item)
    mdat = data.rindex(b"mdat", 0, start) - 4
    assert start + length == len(data), "the item's data must be the file's last"
    grown = bytearray(data[:start] + prefix + data[start:])
    struct.pack_into(">I", grown, length_at, length + len(prefix))
    struct.pack_into(">I", grown, mdat, struct.unpack(">I", data[mdat : mdat + 4])[0] + len(prefix))
    return bytes(grown)


def _heif_item_location(data: bytes, item: int) -> tuple[int, int, int]:
    at = data.index(b"iloc") + 4
    version, sizes, more = data[at], data[at + 4], data[at + 5]
    offset_size, length_size, base_size = sizes >> 4, sizes & 15, more >> 4
    index_size = more & 15 if version == 1 else 0
    (count,), at = struct.unpack(">H", data[at + 6 : at + 8]), at + 8

    def number(at: int, size: int) -> int:
        return int.from_bytes(data[at : at + size], "big")

    for _ in range(count):
        (found,), at = struct.unpack(">H", data[at : at + 2]), at + 2
        at += (2 if version == 1 else 0) + 2  # construction method, data reference index
        base, at = number(at, base_size), at + base_size
        (extents,), at = struct.unpack(">H", data[at : at + 2]), at + 2
        for _ in range(extents):
            at += index_size
            offset, at = number(at, offset_size), at + offset_size
            length, at = number(at, length_size), at + length_size
            if found == item:
                assert length_size == 4
                return base + offset, length, at - length_size
    raise KeyError(item)


def heif_exif_item(data: bytes) -> int:
    """The ID of a HEIF file's Exif item (its infe box of version 2: the ID, then the type)."""
    at = data.index(b"Exif", data.index(b"iinf"))
    return int(struct.unpack(">H", data[at - 4 : at - 2])[0])


#: How each orientation's stored pixels are made from the upright picture: the inverse of the
#: turn a viewer applies.
STORED_BY = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
