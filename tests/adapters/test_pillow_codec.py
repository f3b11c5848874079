"""PillowCodec: decides by content, decodes under limits, stores pixels and nothing else."""

from __future__ import annotations

import io

import pytest
from imagecore.adapters.pillow_codec import Limits, PillowCodec
from PIL import Image

from imagecore import ImageTooLarge, InvalidImage, Slot, UnsupportedImageType
from tests import images

ACCEPTED = "Accepted types: JPEG, PNG, GIF, WebP."


@pytest.fixture
def codec() -> PillowCodec:
    return PillowCodec()


@pytest.mark.parametrize(
    ("data", "format_name", "extension"),
    [
        (images.jpeg(), "JPEG", "jpg"),
        (images.png(), "PNG", "png"),
        (images.gif(), "GIF", "gif"),
        (images.webp(), "WEBP", "webp"),
    ],
)
def test_each_accepted_format_is_reencoded_in_its_own_family(
    codec: PillowCodec, data: bytes, format_name: str, extension: str
) -> None:
    """JPEG, PNG, GIF and WebP are accepted and stored re-encoded in the same format."""
    encoded = codec.encode(data, Slot.PROFILE)
    assert encoded.extension == extension
    assert images.decode(encoded.data).format == format_name
    assert (encoded.width, encoded.height) == Image.open(io.BytesIO(data)).size


def test_the_file_name_and_content_type_play_no_part(codec: PillowCodec) -> None:
    """The codec sees only bytes; a PNG is a PNG whatever it was called."""
    assert codec.encode(images.png(), Slot.COVER).extension == "png"


def test_nothing_is_stored_byte_for_byte(codec: PillowCodec) -> None:
    """Bytes appended after the image's end (a polyglot) do not survive re-encoding."""
    data = images.png() + b"<script>alert(1)</script>"
    encoded = codec.encode(data, Slot.PROFILE)
    assert encoded.data != data
    assert b"<script>" not in encoded.data


def test_exif_gps_serial_and_comment_are_stripped(codec: PillowCodec) -> None:
    """GPS, camera serial number and the JPEG comment never reach storage."""
    data = images.jpeg_with_metadata()
    assert b"SERIAL-12345" in data and b"secret comment" in data
    encoded = codec.encode(data, Slot.PROFILE).data
    assert b"SERIAL-12345" not in encoded and b"secret comment" not in encoded
    stored = images.decode(encoded)
    assert not stored.getexif()
    assert "comment" not in stored.info and "exif" not in stored.info


def test_png_text_chunks_are_stripped(codec: PillowCodec) -> None:
    """PNG text chunks (here a script) are not copied into the stored file."""
    encoded = codec.encode(images.png_with_text(), Slot.PROFILE).data
    assert b"<script>" not in encoded and b"tEXt" not in encoded


def test_exif_orientation_is_applied_to_the_pixels(codec: PillowCodec) -> None:
    """A photo tagged 'rotate 90 clockwise' (orientation 6) is stored upright, without the tag."""
    encoded = codec.encode(images.jpeg_with_metadata(orientation=6), Slot.PROFILE)
    stored = images.decode(encoded.data)
    assert stored.size == (40, 60)
    # The white block was top-left in the stored pixels; turned 90 degrees clockwise it is
    # top-right.
    r, g, b = stored.convert("RGB").getpixel((stored.width - 3, 3))  # type: ignore[misc]
    assert min(r, g, b) > 200
    r, g, b = stored.convert("RGB").getpixel((3, 3))  # type: ignore[misc]
    assert max(r, g, b) < 150


def test_large_images_are_downscaled_to_the_slot_box(codec: PillowCodec) -> None:
    """A profile image larger than 800x800 is scaled down with its aspect ratio kept."""
    encoded = codec.encode(images.jpeg(size=(2000, 1000)), Slot.PROFILE)
    assert (encoded.width, encoded.height) == (800, 400)
    cover = codec.encode(images.jpeg(size=(3000, 1000)), Slot.COVER)
    assert (cover.width, cover.height) == (2400, 800)


def test_small_images_are_never_upscaled(codec: PillowCodec) -> None:
    """A 1x1 image stays 1x1."""
    encoded = codec.encode(images.png(size=(1, 1)), Slot.COVER)
    assert (encoded.width, encoded.height) == (1, 1)


def test_transparency_is_kept_in_png(codec: PillowCodec) -> None:
    """A transparent PNG stays transparent."""
    encoded = codec.encode(images.png(color=(0, 0, 0, 0), mode="RGBA"), Slot.PROFILE)
    assert images.decode(encoded.data).convert("RGBA").getpixel((0, 0)) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n1 0 obj", "PDF"),
        (b"PK\x03\x04zipzipzip", "ZIP"),
        (images.encode(Image.new("RGB", (4, 4)), "TIFF"), "TIFF"),
        (images.encode(Image.new("RGB", (4, 4)), "BMP"), "BMP"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "SVG"),
        (b"<svg onload='alert(1)'/>", "SVG"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
        (b"%!PS-Adobe-3.0 EPSF-3.0", "PostScript"),
    ],
)
def test_other_types_are_refused_by_name(codec: PillowCodec, data: bytes, kind: str) -> None:
    """A file of another type is refused with a message naming it and listing what is accepted."""
    with pytest.raises(UnsupportedImageType) as refused:
        codec.encode(data, Slot.PROFILE)
    assert str(refused.value) == f"{kind} files are not accepted. {ACCEPTED}"


@pytest.mark.parametrize("data", [b"hello world", b"\x00" * 100, b"GIF", b"\x89PNG\r\n"])
def test_non_images_are_invalid(codec: PillowCodec, data: bytes) -> None:
    """Bytes that are no image at all are refused as invalid, listing what is accepted."""
    with pytest.raises(InvalidImage, match=ACCEPTED):
        codec.encode(data, Slot.PROFILE)


def test_empty_files_are_invalid(codec: PillowCodec) -> None:
    """Zero bytes is refused with its own message."""
    with pytest.raises(InvalidImage, match="The file is empty"):
        codec.encode(b"", Slot.PROFILE)


@pytest.mark.parametrize("make", [images.jpeg, images.png, images.webp, images.gif])
def test_truncated_images_are_invalid(codec: PillowCodec, make: object) -> None:
    """An image cut short is refused as corrupt, never decoded with grey padding."""
    data = make(size=(300, 200))  # type: ignore[operator]
    with pytest.raises(InvalidImage, match="corrupt or truncated"):
        codec.encode(data[: len(data) // 2], Slot.PROFILE)


def test_a_decompression_bomb_is_refused_from_its_header(codec: PillowCodec) -> None:
    """A tiny file declaring 50000x50000 pixels is refused before any pixel is decoded."""
    bomb = images.png_claiming_size(50_000, 50_000)
    assert len(bomb) < 100
    with pytest.raises(ImageTooLarge) as refused:
        codec.encode(bomb, Slot.PROFILE)
    assert refused.value.limit == 40_000_000
    assert "2,500,000,000 pixels" in str(refused.value)


def test_the_pixel_limit_is_configurable(codec: PillowCodec) -> None:
    """A smaller limit refuses images just above it and accepts those at it."""
    small = PillowCodec(limits=Limits(max_pixels=100 * 100))
    small.encode(images.png(size=(100, 100)), Slot.PROFILE)
    with pytest.raises(ImageTooLarge):
        small.encode(images.png(size=(101, 100)), Slot.PROFILE)


def test_limits_above_pillows_own_are_refused() -> None:
    """Our pixel check must come before Pillow's, which only warns below twice its limit."""
    with pytest.raises(ValueError, match="max_pixels"):
        PillowCodec(limits=Limits(max_pixels=10**10))
