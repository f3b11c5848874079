"""A corpus of real-world failure classes, made here: each accepted format's valid, odd and damaged
variants, and what each must come out as.

The classes are the ones public decoder suites showed us (libpng's pngsuite and crashers, wuffs,
Pillow's Tests/images, the EXIF orientation examples): a data stream that breaks off, a checksum
that does not match, an end chunk or trailer missing, APNG frames out of sequence, orientation in
places browsers ignore, transparency in every mode, animations in every format. The files are
generated, so the corpus needs no download and carries no licence.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import attrs
from PIL import Image, ImageCms, ImageStat, PngImagePlugin

from tests.images import (
    encode,
    exif_bytes,
    heic,
    heif_exif_item,
    heif_item_extent,
    swapped_primaries_icc,
)

ORIENTATION = 0x0112
SIGNATURE = b"\x89PNG\r\n\x1a\n"


@attrs.frozen
class Case:
    """One file, and what must happen to it.

    ``refusal`` is a phrase the refusal of a damaged file must contain; ``named`` what a file of
    a type we do not take must be refused as; with neither, the file must be stored whole, and
    ``upright`` is then what its pixels must look like once stored: ``"as is"``, or ``"turned"``
    for a quarter turn clockwise (EXIF orientation 6).
    """

    name: str
    make: Callable[[], bytes]
    refusal: str | None = None
    upright: str = "as is"
    frames: int = 1
    named: str | None = None

    @property
    def stored(self) -> bool:
        return self.refusal is None and self.named is None


def picture(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Red on the left, blue on the right: where the halves land shows how it was turned."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


def looks(image: Image.Image) -> str:
    """``"as is"`` if red is left of blue, ``"turned"`` if red is above blue; else ``"other"``."""
    rgb = image.convert("RGB")
    w, h = rgb.size
    left, right = rgb.getpixel((w // 4, h // 2)), rgb.getpixel((3 * w // 4, h // 2))
    top, bottom = rgb.getpixel((w // 2, h // 4)), rgb.getpixel((w // 2, 3 * h // 4))
    if _red(left) and _blue(right):
        return "as is"
    if _red(top) and _blue(bottom):
        return "turned"
    return "other"


def _red(pixel: object) -> bool:
    return isinstance(pixel, tuple) and pixel[0] > 150 and pixel[2] < 100


def _blue(pixel: object) -> bool:
    return isinstance(pixel, tuple) and pixel[2] > 150 and pixel[0] < 100


def exif(orientation: int) -> bytes:
    """EXIF (TIFF) bytes holding only an orientation, without the "Exif" header."""
    tags = Image.Exif()
    tags[ORIENTATION] = orientation
    return tags.tobytes().removeprefix(b"Exif\x00\x00")


def xmp(orientation: int) -> bytes:
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
        b'tiff:Orientation="%d"/></rdf:RDF></x:xmpmeta>' % orientation
    )


# --- PNG chunk surgery ---------------------------------------------------------------------------


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (kind, body) of every chunk of a well-formed PNG."""
    found, at = [], len(SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        found.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    return found


def assemble(parts: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG of these chunks, each with its right checksum."""
    out = SIGNATURE
    for kind, body in parts:
        out += struct.pack(">I", len(body)) + kind + body
        out += struct.pack(">I", zlib.crc32(kind + body))
    return out


def png_with_chunk(kind: bytes, body: bytes, *, after_data: bool) -> bytes:
    """The picture as a PNG with one more chunk, before the image data or after it."""
    parts = chunks(encode(picture(), "PNG"))
    where = (
        len(parts) - 1 if after_data else next(i for i, (k, _) in enumerate(parts) if k == b"IDAT")
    )
    return assemble([*parts[:where], (kind, body), *parts[where:]])


def png_text(keyword: str, text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text(keyword, text)
    return encode(picture(), "PNG", pnginfo=info)


def imagemagick_raw_exif() -> bytes:
    """ImageMagick's way: EXIF as hex in a text chunk named "Raw profile type exif"."""
    data = b"Exif\x00\x00" + exif(6)
    return png_text("Raw profile type exif", f"\nexif\n{len(data):8d}\n{data.hex()}\n")


def noisy_png(size: tuple[int, int] = (300, 200)) -> bytes:
    """Noise compresses badly, so the image data spans its bytes and cuts land inside it."""
    return encode(Image.effect_noise(size, 60).convert("RGB"), "PNG")


def zlib_cut(data: bytes) -> bytes:
    """The image data's zlib stream cut in half, every chunk otherwise whole and checksummed."""
    return assemble([(k, b[: len(b) // 2] if k == b"IDAT" else b) for k, b in chunks(data)])


def checksum_flipped(data: bytes) -> bytes:
    """One byte of the image data changed, its chunk's checksum left as it was."""
    at = data.index(b"IDAT") + 4 + 10
    return data[:at] + bytes([data[at] ^ 0x5A]) + data[at + 1 :]


def without(data: bytes, kind: bytes) -> bytes:
    return assemble([(k, b) for k, b in chunks(data) if k != kind])


def apng(frames: int = 3, loop: int = 0) -> bytes:
    images = [picture().rotate(0) for _ in range(frames)]
    for n, image in enumerate(images):
        image.paste((20, 200, 20), (0, 0, 4 + 4 * n, 4))  # each frame differs a little
    durations = [100 + 10 * n for n in range(frames)]
    return encode(
        images[0], "PNG", save_all=True, append_images=images[1:], duration=durations, loop=loop
    )


def apng_out_of_sequence() -> bytes:
    """An APNG whose last two frame chunks swapped sequence numbers (checksums made right)."""
    parts = chunks(apng())
    numbered = [i for i, (k, _) in enumerate(parts) if k in (b"fcTL", b"fdAT")]
    a, b = numbered[-2], numbered[-1]
    swapped = list(parts)
    for i, other in ((a, b), (b, a)):
        kind, body = parts[i]
        swapped[i] = (kind, parts[other][1][:4] + body[4:])
    return assemble(swapped)


def apng_with_separate_default() -> bytes:
    """An APNG whose default image (for viewers that cannot animate; black here) is not one of
    its frames: browsers never show it."""
    parts = chunks(apng())
    still = [(k, b) for k, b in chunks(encode(Image.new("RGB", (40, 20)), "PNG")) if k == b"IDAT"]
    out, sequence = [parts[0], next(p for p in parts if p[0] == b"acTL"), *still], 0
    for kind, body in parts:
        if kind in (b"fcTL", b"fdAT", b"IDAT"):
            payload = body if kind == b"IDAT" else body[4:]
            out.append(
                (b"fdAT" if kind == b"IDAT" else kind, struct.pack(">I", sequence) + payload)
            )
            sequence += 1
    return assemble([*out, (b"IEND", b"")])


def apng_declaring(frames: int) -> bytes:
    """An APNG of three frames whose animation chunk declares ``frames``."""
    return assemble(
        [(k, struct.pack(">II", frames, 0) if k == b"acTL" else b) for k, b in chunks(apng())]
    )


def apng_turned() -> bytes:
    """An APNG with EXIF orientation 6 before its image data: browsers turn every frame."""
    parts = chunks(apng())
    at = next(i for i, (k, _) in enumerate(parts) if k == b"IDAT")
    return assemble([*parts[:at], (b"eXIf", exif(6)), *parts[at:]])


def two_exif() -> bytes:
    """Orientations 1 then 6 before the image data: libpng keeps the first, Pillow the last."""
    parts = chunks(png_with_chunk(b"eXIf", exif(1), after_data=False))
    return assemble([parts[0], (b"eXIf", exif(6)), *parts[1:]])


def header_not_first() -> bytes:
    parts = chunks(encode(picture(), "PNG"))
    return assemble([(b"tEXt", b"Comment\x00first"), *parts])


def zero_width() -> bytes:
    parts = chunks(encode(picture(), "PNG"))
    kind, body = parts[0]
    return assemble([(kind, b"\x00\x00\x00\x00" + body[4:]), *parts[1:]])


def palette_with_long_transparency() -> bytes:
    """A palette PNG whose tRNS has more entries than the palette: libpng ignores it."""
    image = picture().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    parts = [(k, b) for k, b in chunks(encode(image, "PNG")) if k != b"tRNS"]
    at = next(i for i, (k, _) in enumerate(parts) if k == b"IDAT")
    return assemble([*parts[:at], (b"tRNS", b"\x00" * 200), *parts[at:]])


def checksum_broken(data: bytes, kind: bytes) -> bytes:
    """The first ``kind`` chunk with its checksum inverted, every other byte as it was."""
    at = len(SIGNATURE)
    while data[at + 4 : at + 8] != kind:
        at += 12 + struct.unpack(">I", data[at : at + 4])[0]
    end = at + 12 + struct.unpack(">I", data[at : at + 4])[0]
    return data[: end - 4] + bytes(b ^ 0xFF for b in data[end - 4 : end]) + data[end:]


def palette_png() -> bytes:
    return encode(picture().convert("P", palette=Image.Palette.ADAPTIVE, colors=4), "PNG")


# --- JPEG as libjpeg reads it -------------------------------------------------------------------


def jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg_with_junk(junk: bytes, data: bytes | None = None, before: int = 0xDB) -> bytes:
    """A JPEG (the picture, by default) with ``junk`` right before its first ``before`` marker
    (its quantisation table, by default): libjpeg passes over it to the marker."""
    data = encode(picture(), "JPEG", quality=95) if data is None else data
    at = data.index(bytes([0xFF, before]))
    return data[:at] + junk + data[at:]


def adobe_one_byte_short() -> bytes:
    """The picture with an Adobe segment whose length is one short, leaving its last byte (the
    colour transform) outside it, as in Pillow's truncated_app14.jpg: libjpeg passes over that
    byte, and takes the segment for no Adobe marker (the JFIF marker still says YCbCr)."""
    body = b"Adobe" + struct.pack(">HHH", 100, 0, 0)
    return jpeg_with_junk(b"\xff\xee" + struct.pack(">H", len(body) + 2) + body + b"\x01")


def icc_part(index: int, count: int, body: bytes) -> bytes:
    """An APP2 segment holding part ``index`` of ``count`` of an ICC profile."""
    return jpeg_segment(0xE2, b"ICC_PROFILE\x00" + bytes([index, count]) + body)


def icc_around_frame(before: bytes, after: bytes, data: bytes | None = None) -> bytes:
    """A JPEG (the picture, by default) with the APP2 segments ``before`` its frame header and
    ``after`` it, as in Pillow's icc-after-SOF.jpg."""
    data = encode(picture(), "JPEG", quality=95) if data is None else data
    frame = data.index(b"\xff\xc0")
    end = frame + 2 + int.from_bytes(data[frame + 2 : frame + 4], "big")
    return data[:frame] + before + data[frame:end] + after + data[end:]


def blocky(size: tuple[int, int] = (320, 240)) -> Image.Image:
    """Noise in 8x8 blocks: each block of a sampled_jpeg differs, so its data spans its bytes."""
    return Image.merge(
        "RGB",
        [
            Image.effect_noise((size[0] // 8, size[1] // 8), 80).resize(
                size, Image.Resampling.NEAREST
            )
            for _ in range(3)
        ],
    )


def srgb_profile() -> bytes:
    """An sRGB ICC profile: tagging a picture with it changes no colour."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


#: The luminance DC table of the JPEG standard (Annex K.3): code lengths, then values.
DC_LENGTHS = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
DC_VALUES = bytes(range(12))


def sampled_jpeg(
    image: Image.Image, sampling: tuple[tuple[int, int], ...], *, one_scan: bool = True
) -> bytes:
    """``image`` as a baseline JPEG whose Y, Cb and Cr are sampled ``sampling`` ((h, v) each),
    every 8x8 block flat (its DC coefficient alone; its only AC code is the end of block).

    Written here because Pillow writes three samplings and TurboJPEG a few more, none of these,
    which libjpeg decodes (1x3 luma, say, or chroma sampled finer than luma) and so browsers
    show. In one interleaved scan, or (``one_scan=False``) one scan per component.
    """
    ycc = image.convert("YCbCr")
    widest, tallest = max(h for h, _ in sampling), max(v for _, v in sampling)
    columns, rows = -(-image.width // (8 * widest)), -(-image.height // (8 * tallest))
    planes: list[dict[tuple[int, int], int]] = []
    sizes = []
    for channel, (h, v) in zip(ycc.split(), sampling, strict=True):
        width, height = -(-image.width * h // widest), -(-image.height * v // tallest)
        plane = channel.resize((width, height), Image.Resampling.BOX)
        means = {}
        for y in range(rows * v):
            for x in range(columns * h):  # blocks past the edge repeat its last samples
                left, top = min(x * 8, width - 1), min(y * 8, height - 1)
                samples = plane.crop((left, top, min(left + 8, width), min(top + 8, height)))
                means[x, y] = round(ImageStat.Stat(samples).mean[0]) - 128
        planes.append(means)
        sizes.append((-(-width // 8), -(-height // 8)))
    bits = _Bits()
    if one_scan:
        # Block by block, MCU by MCU: each component's h x v blocks of the MCU in turn.
        bits.blocks(
            [
                (c, mx * h + bx, my * v + by)
                for my in range(rows)
                for mx in range(columns)
                for c, (h, v) in enumerate(sampling)
                for by in range(v)
                for bx in range(h)
            ],
            planes,
        )
        data = _scan([0, 1, 2], bits.end())
    else:
        data = b""
        for c in range(3):
            width, height = sizes[c]
            bits.blocks([(c, x, y) for y in range(height) for x in range(width)], planes)
            data += _scan([c], bits.end())
    frame = struct.pack(">BHHB", 8, image.height, image.width, 3) + b"".join(
        bytes([c + 1, h << 4 | v, 0]) for c, (h, v) in enumerate(sampling)
    )
    # DC quantised by 8, so a coefficient is the block's mean less 128; one AC code, the end.
    tables = b"\x00" + DC_LENGTHS + DC_VALUES + b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    return (
        b"\xff\xd8"
        + jpeg_segment(0xDB, b"\x00" + bytes([8] + [1] * 63))
        + jpeg_segment(0xC0, frame)
        + jpeg_segment(0xC4, tables)
        + data
        + b"\xff\xd9"
    )


def _scan(components: list[int], data: bytes) -> bytes:
    header = bytes([len(components)]) + b"".join(bytes([c + 1, 0]) for c in components)
    return jpeg_segment(0xDA, header + bytes([0, 63, 0])) + data


class _Bits:
    """Entropy-coded data: DC differences under DC_LENGTHS's codes, each block then ended."""

    def __init__(self) -> None:
        self.out, self.value, self.count = bytearray(), 0, 0
        self.codes: dict[int, tuple[int, int]] = {}
        code, symbol = 0, 0
        for length, many in enumerate(DC_LENGTHS, 1):
            for _ in range(many):
                self.codes[DC_VALUES[symbol]] = (code, length)
                code, symbol = code + 1, symbol + 1
            code <<= 1

    def blocks(
        self, blocks: list[tuple[int, int, int]], planes: list[dict[tuple[int, int], int]]
    ) -> None:
        """Each (component, x, y) block's DC difference from the one before of its component."""
        last = [0, 0, 0]
        for c, x, y in blocks:
            difference, last[c] = planes[c][x, y] - last[c], planes[c][x, y]
            size = abs(difference).bit_length()
            self.put(*self.codes[size])
            self.put(difference if difference >= 0 else difference + (1 << size) - 1, size)
            self.put(0, 1)  # the end of the block: the AC table's one code

    def put(self, value: int, length: int) -> None:
        self.value, self.count = (self.value << length) | value, self.count + length
        while self.count >= 8:
            self.count -= 8
            byte = (self.value >> self.count) & 0xFF
            self.out += bytes([byte, 0]) if byte == 0xFF else bytes([byte])
        self.value &= (1 << self.count) - 1

    def end(self) -> bytes:
        """The data so far, its last byte padded with ones; the writer starts afresh."""
        if self.count:
            self.put((1 << (8 - self.count)) - 1, 8 - self.count)
        data, self.out = bytes(self.out), bytearray()
        return data


#: Colour samplings TurboJPEG has no name for, as wuffs' peacock test files have them.
LUMA_1X3 = ((1, 3), (1, 1), (1, 1))
CHROMA_2X1_1X1 = ((2, 2), (2, 1), (1, 1))
CHROMA_FINER = ((4, 1), (2, 1), (2, 2))


# --- Other formats -------------------------------------------------------------------------------


# --- HEIF and AVIF item surgery -------------------------------------------------------------------


def heic_grid(image: Image.Image, tile: int = 256) -> bytes:
    """``image`` as a HEIC of ``tile``-pixel tiles, its last column and row padded, as phones
    write them."""
    import pillow_heif

    before, pillow_heif.options.GRID_TILE_SIZE = pillow_heif.options.GRID_TILE_SIZE, tile
    try:
        return heic(image)
    finally:
        pillow_heif.options.GRID_TILE_SIZE = before


def item_zeroed(data: bytes, item: int) -> bytes:
    """A HEIF file with one item's coded data (a grid's tile, say) overwritten with zeros."""
    start, length = heif_item_extent(data, item)
    return data[:start] + bytes(length) + data[start + length :]


def coded_as(data: bytes, coding: bytes) -> bytes:
    """A HEIC whose image item says it is coded in ``coding`` (b"j2k1", b"unci"...)."""
    at = data.index(b"hvc1", data.index(b"iinf"))
    return data[:at] + coding + data[at + 4 :]


def avif_with_broken_exif() -> bytes:
    """An AVIF whose Exif item's payload points past its end: libavif refuses the file."""
    data = encode(picture(), "AVIF", quality=90, exif=exif_bytes(gps=True))
    start, length = heif_item_extent(data, heif_exif_item(data))
    return data[:start] + b"\x00\x00\xff\xf0" + b"\xff" * (length - 4) + data[start + length :]


def compact_avif() -> bytes:
    """The compact layout (ISO/IEC 23008-12 amendment 2): ftyp with mif3, then a mini box."""
    mini = b"\x08\x08\x1f\x3e\x08\x01\x14\x81" + bytes(24)
    ftyp = b"ftyp" + b"mif3" + b"avif"
    return (
        struct.pack(">I", 4 + len(ftyp)) + ftyp + struct.pack(">I", 8 + len(mini)) + b"mini" + mini
    )


def cut(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def noisy(format_name: str, **options: object) -> bytes:
    return encode(Image.effect_noise((120, 80), 60).convert("RGB"), format_name, **options)


def animated(format_name: str, frames: int = 3, **options: object) -> bytes:
    images = [picture() for _ in range(frames)]
    for n, image in enumerate(images):
        image.paste((20, 200, 20), (0, 0, 4 + 4 * n, 4))
    return encode(
        images[0],
        format_name,
        save_all=True,
        append_images=images[1:],
        duration=80,
        loop=0,
        **options,
    )


def with_exif(format_name: str, orientation: int) -> bytes:
    return encode(picture(), format_name, exif=b"Exif\x00\x00" + exif(orientation))


def with_xmp(format_name: str, orientation: int) -> bytes:
    return encode(picture(), format_name, xmp=xmp(orientation))


CASES: list[Case] = [
    # Valid, and odd but valid.
    Case("PNG", lambda: encode(picture(), "PNG")),
    Case("JPEG", lambda: encode(picture(), "JPEG", quality=95)),
    Case("GIF", lambda: encode(picture(), "GIF")),
    Case("WebP", lambda: encode(picture(), "WEBP", quality=95)),
    Case("WebP lossless", lambda: encode(picture(), "WEBP", lossless=True)),
    Case("animated GIF", lambda: animated("GIF"), frames=3),
    Case("animated WebP", lambda: animated("WEBP"), frames=3),
    Case("APNG", apng, frames=3),
    Case("APNG, default image not in the animation", apng_with_separate_default, frames=3),
    Case("APNG, EXIF orientation 6", apng_turned, upright="turned", frames=3),
    Case(
        "animated WebP, EXIF orientation 6",
        lambda: animated("WEBP", exif=b"Exif\x00\x00" + exif(6)),
        frames=3,  # browsers do not turn a WebP by its EXIF: it stays as its pixels are
    ),
    Case(
        "PNG, eXIf before the image data",
        lambda: png_with_chunk(b"eXIf", exif(6), after_data=False),
        upright="turned",
    ),
    Case("JPEG, EXIF orientation 6", lambda: with_exif("JPEG", 6), upright="turned"),
    Case("WebP, EXIF orientation 6", lambda: with_exif("WEBP", 6)),  # browsers do not turn it
    # Orientation where browsers do not look: the picture stays as its pixels are.
    Case(
        "PNG, eXIf after the image data", lambda: png_with_chunk(b"eXIf", exif(6), after_data=True)
    ),
    Case("PNG, orientation in XMP", lambda: png_text("XML:com.adobe.xmp", xmp(6).decode())),
    Case("PNG, ImageMagick's EXIF in a text chunk", imagemagick_raw_exif),
    Case("JPEG, orientation in XMP", lambda: with_xmp("JPEG", 6)),
    Case("WebP, orientation in XMP", lambda: with_xmp("WEBP", 6)),
    # PNG as libpng reads it.
    # A grey or RGB transparent colour wider than the bit depth is masked to it (PNG 3rd edition,
    # 11.3.2.1); masked, this one names a colour the picture lacks, so nothing is clear.
    Case(
        "PNG, transparent colour wider than its bit depth",
        lambda: png_with_chunk(
            b"tRNS", struct.pack(">3H", 0x0107, 0xFF07, 0x8007), after_data=False
        ),
    ),
    # An ancillary chunk that fails its checksum is dropped, and what it said goes with it.
    Case(
        "PNG, text chunk checksum mismatch",
        lambda: checksum_broken(png_text("Comment", "a comment"), b"tEXt"),
    ),
    Case(
        "PNG, eXIf checksum mismatch: not turned",
        lambda: checksum_broken(png_with_chunk(b"eXIf", exif(6), after_data=False), b"eXIf"),
    ),
    Case(
        "PNG, transparency checksum mismatch",
        lambda: checksum_broken(
            png_with_chunk(b"tRNS", struct.pack(">3H", 220, 20, 20), after_data=False), b"tRNS"
        ),
    ),
    Case(
        "PNG, profile checksum mismatch: shown as sRGB",
        lambda: checksum_broken(
            encode(picture(), "PNG", icc_profile=swapped_primaries_icc()), b"iCCP"
        ),
    ),
    # A critical chunk's mismatch is damage, and so is an APNG chunk's: they carry the picture.
    Case(
        "PNG, header checksum mismatch",
        lambda: checksum_broken(encode(picture(), "PNG"), b"IHDR"),
        "checksum",
    ),
    Case(
        "PNG, palette checksum mismatch",
        lambda: checksum_broken(palette_png(), b"PLTE"),
        "checksum",
    ),
    Case(
        "APNG, frame data checksum mismatch", lambda: checksum_broken(apng(), b"fdAT"), "checksum"
    ),
    Case(
        "APNG, frame control checksum mismatch",
        lambda: checksum_broken(apng(), b"fcTL"),
        "checksum",
    ),
    # JPEG as libjpeg reads it.
    # Bytes between header segments, which libjpeg passes over to the next marker with a warning.
    Case("JPEG, junk between header segments", lambda: jpeg_with_junk(b"hello")),
    Case("JPEG, stuffed zero between header segments", lambda: jpeg_with_junk(b"\xff\x00\x00\x01")),
    Case("JPEG, Adobe segment one byte short", adobe_one_byte_short),
    # A profile part repeated after the frame header: Chromium reads the first.
    Case(
        "JPEG, ICC profile repeated after the frame header",
        lambda: icc_around_frame(icc_part(1, 1, srgb_profile()), icc_part(1, 1, b"profile")),
    ),
    # Colour samplings TurboJPEG has no name for: Pillow's libjpeg decodes them.
    Case("JPEG, luma sampled 1x3", lambda: sampled_jpeg(picture((160, 64)), LUMA_1X3)),
    Case(
        "JPEG, chroma sampled 2x1 and 1x1", lambda: sampled_jpeg(picture((160, 64)), CHROMA_2X1_1X1)
    ),
    Case(
        "JPEG, chroma sampled finer than luma",
        lambda: sampled_jpeg(picture((160, 64)), CHROMA_FINER),
    ),
    # HEIC and AVIF as browsers read them.
    # A grid's tiles overhang its edges: more than twice the picture's pixels, a whole picture.
    Case("HEIC, grid padded to whole tiles", lambda: heic_grid(picture((300, 200)))),
    # Browsers' AVIF decoders never read Exif; none is stored.
    Case("AVIF, Exif payload unreadable", avif_with_broken_exif),
    # Named: what was sent is a type we do not take, not a damaged file.
    Case(
        "HEIF coded in JPEG 2000",
        lambda: coded_as(heic(picture()), b"j2k1"),
        named="JPEG 2000 in HEIF",
    ),
    Case("compact AVIF", compact_avif, named="compact AVIF"),
    Case("SGI", lambda: encode(picture(), "SGI"), named="SGI"),
    # Damaged.
    Case("PNG, image data cut short", lambda: zlib_cut(noisy_png()), "corrupt or truncated"),
    Case("PNG, checksum mismatch", lambda: checksum_flipped(noisy_png()), "checksum"),
    Case("PNG, no end chunk", lambda: without(noisy_png(), b"IEND"), "end chunk"),
    Case("PNG, file cut", lambda: cut(noisy_png()), "damaged"),
    Case("APNG, frames out of sequence", apng_out_of_sequence, "out of sequence"),
    Case(
        "PNG, transparent colour after the image data",
        lambda: png_with_chunk(b"tRNS", struct.pack(">3H", 220, 20, 20), after_data=True),
        "after the image data",
    ),
    Case("JPEG, file cut", lambda: cut(noisy("JPEG")), "damaged"),
    Case("JPEG, cut and closed", lambda: cut(noisy("JPEG"), 0.5) + b"\xff\xd9", "damaged"),
    Case(
        "JPEG, half-finished download",
        lambda: cut(noisy("JPEG")) + bytes(len(noisy("JPEG")) - len(cut(noisy("JPEG")))),
        "damaged",
    ),
    Case(
        "progressive JPEG, cut and closed",
        lambda: cut(noisy("JPEG", progressive=True), 0.5) + b"\xff\xd9",
        "damaged",
    ),
    Case("APNG, fewer frames declared", lambda: apng_declaring(2), "frames it declares"),
    Case("APNG, more frames declared", lambda: apng_declaring(5), "frames it declares"),
    Case("PNG, two eXIf chunks", two_exif, "more than one eXIf"),
    Case("PNG, header chunk not first", header_not_first, "header chunk"),
    Case("PNG, zero width", zero_width, "damaged"),
    Case("PNG, palette transparency too long", palette_with_long_transparency, "transparency"),
    # One bit flipped in PLTE's name reads as an ancillary chunk, which its checksum would have
    # dropped: it is the palette, not dropped, and a palette image without one is damaged
    # (Pillow would show it black).
    Case(
        "PNG, palette's name with a bit flipped",
        lambda: palette_png().replace(b"PLTE", b"pLTE", 1),
        "checksum",
    ),
    Case(
        "PNG, palette image without its palette",
        lambda: without(palette_png(), b"PLTE"),
        "no palette",
    ),
    Case("JPEG, no end marker", lambda: noisy("JPEG")[:-2], "damaged"),
    Case("GIF, file cut", lambda: cut(noisy("GIF")), "damaged"),
    Case("GIF, no trailer", lambda: noisy("GIF")[:-1], "trailer"),
    Case("animated GIF, file cut", lambda: cut(animated("GIF", 6), 0.8), "damaged"),
    Case("WebP, file cut", lambda: cut(noisy("WEBP")), "damaged"),
    Case("WebP lossless, file cut", lambda: cut(noisy("WEBP", lossless=True)), "damaged"),
    Case("animated WebP, file cut", lambda: cut(animated("WEBP", 6), 0.8), "damaged"),
    Case(
        "JPEG, junk after the scan data",
        # Longer than libjpeg-turbo reads ahead (8 bytes), whose share it passes over unsaid.
        lambda: jpeg_with_junk(b"junk" * 5, noisy("JPEG"), before=0xD9),
        "extraneous bytes",
    ),
    Case(
        "JPEG, junk between header segments, file cut",
        lambda: cut(jpeg_with_junk(b"hello", noisy("JPEG"))),
        "damaged",
    ),
    Case("JPEG luma sampled 1x3, file cut", lambda: cut(sampled_jpeg(blocky(), LUMA_1X3)), "ends"),
    Case(
        "JPEG luma sampled 1x3, cut and closed",
        lambda: cut(sampled_jpeg(blocky(), LUMA_1X3), 0.5) + b"\xff\xd9",
        "ends",
    ),
    Case(
        "JPEG chroma sampled finer than luma, cut and closed",
        lambda: cut(sampled_jpeg(blocky(), CHROMA_FINER), 0.5) + b"\xff\xd9",
        "ends",
    ),
    Case(
        "AVIF, Exif payload unreadable, file cut",
        lambda: cut(avif_with_broken_exif()),
        "damaged",
    ),
    # libheif, left to itself, leaves a tile it cannot decode out, a green square in its place.
    Case(
        "HEIC, a grid tile that does not decode",
        lambda: item_zeroed(heic_grid(picture((600, 400))), 4),
        "damaged",
    ),
]
