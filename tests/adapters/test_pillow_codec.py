"""PillowCodec: decides by content, decodes under limits, stores pixels and nothing else."""

from __future__ import annotations

import io
import warnings
from typing import Literal

import pytest
from PIL import Image

from imagecore import Box, ImageLimits, Slot
from imagecore.adapters.pillow_codec import ACCEPTED, MAX_PIXELS_SUPPORTED, PillowCodec
from imagecore.policies import DEFAULT_POLICIES
from imagecore.rejections import ImageTooLarge, InvalidImage, UnsupportedImageType
from tests import images

ACCEPTED_SENTENCE = "Accepted types: JPEG, PNG, GIF, WebP, AVIF, HEIC."
PROFILE = DEFAULT_POLICIES[Slot.PROFILE].box
COVER = DEFAULT_POLICIES[Slot.COVER].box
LIMITS = ImageLimits()
#: Pixels between Pillow's own limit and twice it, where Pillow only warns.
PILLOW_WARNS_ONLY = (10_000, 10_000)


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
    encoded = codec.encode(data, PROFILE, LIMITS)
    assert encoded.extension == extension
    assert images.decode(encoded.data).format == format_name
    assert (encoded.width, encoded.height) == Image.open(io.BytesIO(data)).size


def test_the_file_name_and_content_type_play_no_part(codec: PillowCodec) -> None:
    """The codec sees only bytes; a PNG is a PNG whatever it was called."""
    assert codec.encode(images.png(), COVER, LIMITS).extension == "png"


def test_nothing_is_stored_byte_for_byte(codec: PillowCodec) -> None:
    """Bytes appended after the image's end (a polyglot) do not survive re-encoding."""
    data = images.png() + b"<script>alert(1)</script>"
    encoded = codec.encode(data, PROFILE, LIMITS)
    assert encoded.data != data
    assert b"<script>" not in encoded.data


def test_exif_gps_serial_and_comment_are_stripped(codec: PillowCodec) -> None:
    """GPS, camera serial number and the JPEG comment never reach storage."""
    data = images.jpeg_with_metadata()
    assert b"SERIAL-12345" in data and b"secret comment" in data
    encoded = codec.encode(data, PROFILE, LIMITS).data
    assert b"SERIAL-12345" not in encoded and b"secret comment" not in encoded
    stored = images.decode(encoded)
    assert not stored.getexif()
    assert "comment" not in stored.info and "exif" not in stored.info


def test_png_text_chunks_are_stripped(codec: PillowCodec) -> None:
    """PNG text chunks (here a script) are not copied into the stored file."""
    encoded = codec.encode(images.png_with_text(), PROFILE, LIMITS).data
    assert b"<script>" not in encoded and b"tEXt" not in encoded


def test_exif_orientation_is_applied_to_the_pixels(codec: PillowCodec) -> None:
    """A photo tagged 'rotate 90 clockwise' (orientation 6) is stored upright, without the tag."""
    encoded = codec.encode(images.jpeg_with_metadata(orientation=6), PROFILE, LIMITS)
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
    encoded = codec.encode(images.jpeg(size=(2000, 1000)), PROFILE, LIMITS)
    assert (encoded.width, encoded.height) == (800, 400)
    cover = codec.encode(images.jpeg(size=(3000, 1000)), COVER, LIMITS)
    assert (cover.width, cover.height) == (2400, 800)


def test_small_images_are_never_upscaled(codec: PillowCodec) -> None:
    """A 1x1 image stays 1x1."""
    encoded = codec.encode(images.png(size=(1, 1)), COVER, LIMITS)
    assert (encoded.width, encoded.height) == (1, 1)


def test_transparency_is_kept_in_png(codec: PillowCodec) -> None:
    """A transparent PNG stays transparent."""
    encoded = codec.encode(images.png(color=(0, 0, 0, 0), mode="RGBA"), PROFILE, LIMITS)
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
        codec.encode(data, PROFILE, LIMITS)
    assert (refused.value.detected, refused.value.accepted) == (kind, ACCEPTED)


@pytest.mark.parametrize("data", [b"hello world", b"\x00" * 100, b"GIF", b"\x89PNG\r\n"])
def test_non_images_are_invalid(codec: PillowCodec, data: bytes) -> None:
    """Bytes that are no image at all are refused as invalid, listing what is accepted."""
    with pytest.raises(InvalidImage) as refused:
        codec.encode(data, PROFILE, LIMITS)
    assert (refused.value.reason, refused.value.accepted) == ("not an image", ACCEPTED)


def test_empty_files_are_invalid(codec: PillowCodec) -> None:
    """Zero bytes is refused with its own message."""
    with pytest.raises(InvalidImage) as refused:
        codec.encode(b"", PROFILE, LIMITS)
    assert refused.value.reason == "empty"


@pytest.mark.parametrize("make", [images.jpeg, images.png, images.webp, images.gif])
def test_truncated_images_are_invalid(codec: PillowCodec, make: object) -> None:
    """An image cut short is refused as corrupt, never decoded with grey padding."""
    data = make(size=(300, 200))  # type: ignore[operator]
    with pytest.raises(InvalidImage) as refused:
        codec.encode(data[: len(data) // 2], PROFILE, LIMITS)
    assert refused.value.reason == "damaged"


def test_a_decompression_bomb_is_refused_from_its_header(codec: PillowCodec) -> None:
    """A tiny file declaring 50000x50000 pixels is refused before any pixel is decoded."""
    bomb = images.png_claiming_size(50_000, 50_000)
    assert len(bomb) < 100
    with pytest.raises(ImageTooLarge) as refused:
        codec.encode(bomb, PROFILE, LIMITS)
    assert refused.value.limit == LIMITS.max_declared_pixels == 80_000_000
    assert refused.value.actual == 2_500_000_000


def test_the_pixel_limit_is_the_one_given(codec: PillowCodec) -> None:
    """A smaller limit refuses images just above it and accepts those at it."""
    small = ImageLimits(max_pixels=100 * 100)
    codec.encode(images.png(size=(100, 100)), PROFILE, small)
    with pytest.raises(ImageTooLarge) as refused:
        codec.encode(images.png(size=(101, 100)), PROFILE, small)
    assert (refused.value.actual, refused.value.limit) == (10_100, 10_000)


def test_a_limit_above_pillows_own_is_taken_down_to_it(codec: PillowCodec) -> None:
    """Pillow only warns below twice its limit, so the codec's own check stops at Pillow's."""
    assert PILLOW_WARNS_ONLY[0] * PILLOW_WARNS_ONLY[1] in range(
        MAX_PIXELS_SUPPORTED + 1, 2 * MAX_PIXELS_SUPPORTED
    )
    generous = ImageLimits(max_pixels=10**10, max_declared_pixels=10**10)
    with pytest.raises(ImageTooLarge) as refused:
        codec.encode(images.png_claiming_size(*PILLOW_WARNS_ONLY), PROFILE, generous)
    assert refused.value.limit == MAX_PIXELS_SUPPORTED


def test_a_limit_the_host_lowered_in_pillow_is_honoured(
    codec: PillowCodec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host that lowers Pillow's limit after import gets refusals that name that limit."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100 * 100)
    assert codec.max_pixels == 100 * 100  # what the service checks its limits against
    for size in [(150, 100), (300, 100)]:  # where Pillow warns, and where it refuses
        with pytest.raises(ImageTooLarge) as refused:
            codec.encode(images.png_claiming_size(*size), PROFILE, LIMITS)
        assert (refused.value.actual, refused.value.limit) == (size[0] * size[1], 10_000)


@pytest.mark.parametrize("host_filter", ["error", "default", "ignore"])
def test_an_image_above_the_pixel_limit_is_refused_whatever_the_hosts_warning_filters(
    codec: PillowCodec, host_filter: Literal["error", "default", "ignore"]
) -> None:
    """Where Pillow only warns, the image is refused the same way whether the host makes
    warnings errors, shows them, or ignores them."""
    bomb = images.png_claiming_size(*PILLOW_WARNS_ONLY)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter(host_filter)
        with pytest.raises(ImageTooLarge) as refused:
            codec.encode(bomb, PROFILE, LIMITS)
    assert (refused.value.what, refused.value.limit) == ("image", LIMITS.max_declared_pixels)
    assert refused.value.actual == PILLOW_WARNS_ONLY[0] * PILLOW_WARNS_ONLY[1]


def test_the_codec_leaves_the_processs_warning_filters_alone() -> None:
    """Neither building a codec nor encoding an image changes the warning filters."""
    before = list(warnings.filters)
    codec = PillowCodec()
    assert warnings.filters == before
    codec.encode(images.png(), PROFILE, LIMITS)
    with pytest.raises(ImageTooLarge):
        codec.encode(images.png_claiming_size(*PILLOW_WARNS_ONLY), PROFILE, LIMITS)
    assert warnings.filters == before


def test_a_host_opening_a_large_image_after_the_codec_ran_only_gets_pillows_warning() -> None:
    """A host's own Image.open of an image between Pillow's limit and twice it still works."""
    large = images.png_claiming_size(*PILLOW_WARNS_ONLY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()  # the host's filters: Python's own, which show a RuntimeWarning
        PillowCodec().encode(images.png(), PROFILE, LIMITS)
        with Image.open(io.BytesIO(large)) as opened:
            assert opened.size == PILLOW_WARNS_ONLY
    assert [warning.category for warning in caught] == [Image.DecompressionBombWarning]


def test_the_byte_limit_is_checked_before_decoding(codec: PillowCodec) -> None:
    """A file over max_bytes is refused by its length, even when called without the core."""
    data = images.png()
    codec.encode(data, PROFILE, ImageLimits(max_bytes=len(data)))
    with pytest.raises(ImageTooLarge) as refused:
        codec.encode(data, PROFILE, ImageLimits(max_bytes=len(data) - 1))
    assert (refused.value.what, refused.value.unit) == ("file", "bytes")
    assert (refused.value.actual, refused.value.limit) == (len(data), len(data) - 1)


def test_the_codec_names_the_formats_it_accepts(codec: PillowCodec) -> None:
    """Its formats are the ones its refusals list."""
    assert codec.formats == ACCEPTED == ("JPEG", "PNG", "GIF", "WebP", "AVIF", "HEIC")


def test_the_box_is_the_one_given(codec: PillowCodec) -> None:
    """Any box works, not only a slot's: a 100x50 fill box gives exactly 100x50."""
    encoded = codec.encode(images.png(size=(640, 480)), Box(100, 50, fill=True), LIMITS)
    assert (encoded.width, encoded.height) == (100, 50)
