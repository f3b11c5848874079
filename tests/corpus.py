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
from PIL import Image, PngImagePlugin

from tests.images import encode

ORIENTATION = 0x0112
SIGNATURE = b"\x89PNG\r\n\x1a\n"


@attrs.frozen
class Case:
    """One file, and what must happen to it.

    ``refusal`` is a phrase the refusal must contain, or ``None`` for a file that must be stored
    whole; ``upright`` is then what its pixels must look like once stored: ``"as is"``, or
    ``"turned"`` for a quarter turn clockwise (EXIF orientation 6).
    """

    name: str
    make: Callable[[], bytes]
    refusal: str | None = None
    upright: str = "as is"
    frames: int = 1


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


# --- Other formats -------------------------------------------------------------------------------


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
    Case("JPEG, no end marker", lambda: noisy("JPEG")[:-2], "damaged"),
    Case("GIF, file cut", lambda: cut(noisy("GIF")), "damaged"),
    Case("GIF, no trailer", lambda: noisy("GIF")[:-1], "trailer"),
    Case("animated GIF, file cut", lambda: cut(animated("GIF", 6), 0.8), "damaged"),
    Case("WebP, file cut", lambda: cut(noisy("WEBP")), "damaged"),
    Case("WebP lossless, file cut", lambda: cut(noisy("WEBP", lossless=True)), "damaged"),
    Case("animated WebP, file cut", lambda: cut(animated("WEBP", 6), 0.8), "damaged"),
]
