"""Real image files made on the spot, so no test depends on a download."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112


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
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
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
