"""A phone's 48 MP photo is accepted where its slot's box lets a JPEG decode at reduced scale,
within the memory of today's 12 MP upload; the declared size keeps a ceiling of its own, checked
before anything decodes, and what the worst accepted header costs is measured. ``-s`` prints it.
"""

from __future__ import annotations

import struct

import pytest
from PIL import Image

from imagecore import Box, ImageLimits
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec import codec as codec_module
from imagecore.rejections import ImageTooLarge
from tests import images

PROFILE, COVER = Box(800, 800), Box(2400, 1200)
LIMITS = ImageLimits()


def smooth_jpeg(size: tuple[int, int]) -> bytes:
    picture = Image.linear_gradient("L").resize(size).convert("RGB")
    return images.encode(picture, "JPEG", quality=95)


def declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header is rewritten to declare ``width`` x ``height``."""
    data = images.jpeg((64, 48))
    sof = data.index(b"\xff\xc0")
    return data[: sof + 5] + struct.pack(">HH", height, width) + data[sof + 9 :]


@pytest.mark.parametrize(
    ("box", "stored"), [(PROFILE, (800, 600)), (COVER, (1600, 1200))], ids=["profile", "cover"]
)
def test_a_48_mp_jpeg_is_accepted_within_a_12_mp_upload_s_memory(
    budgeted_codec: IsolatedCodec, box: Box, stored: tuple[int, int]
) -> None:
    big, today = smooth_jpeg((8000, 6000)), smooth_jpeg((4000, 3000))
    image, usage = budgeted_codec.encode_measured(big, box, LIMITS)
    assert (image.width, image.height) == stored
    _, baseline = budgeted_codec.encode_measured(today, box, LIMITS)
    print(
        f"48 MP in {box}: peak {usage.peak_bytes / 2**20:.0f} MB, {usage.seconds:.2f} s CPU; "
        f"12 MP: {baseline.peak_bytes / 2**20:.0f} MB, {baseline.seconds:.2f} s"
    )
    # Both decode to the same size (1/8 and 1/4 of 48 MP, 1/4 and 1/2 of 12 MP): the bigger
    # file adds its bytes and little else.
    assert usage.peak_bytes <= baseline.peak_bytes + len(big) + 8 * 2**20


def test_a_phone_s_48_mp_jpeg_is_within_the_default_limits(budgeted_codec: IsolatedCodec) -> None:
    """Grain as a sensor writes it makes 48 MP some 15 MB: over the old 10 MB byte limit, within
    the default one, and stored for both slots."""
    grain = images.encode(Image.effect_noise((8000, 6000), 12).convert("RGB"), "JPEG", quality=85)
    assert 10 * 2**20 < len(grain) <= LIMITS.max_bytes
    for box, stored in ((PROFILE, (800, 600)), (COVER, (1600, 1200))):
        image = budgeted_codec.encode(grain, box, LIMITS)
        assert (image.width, image.height) == stored


def test_a_48_mp_png_decodes_whole_and_is_refused() -> None:
    """PNG has no reduced-scale decoding: 48 MP decoded is over the 40 MP limit."""
    data = images.encode(Image.new("P", (8000, 6000), 1), "PNG")
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(data, PROFILE, LIMITS)
    assert (refused.value.actual, refused.value.limit) == (48_000_000, LIMITS.max_pixels)


def test_a_jpeg_declaring_more_than_the_ceiling_is_refused_before_anything_decodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_decoding(data: bytes) -> None:
        raise AssertionError("the damage check decodes at an eighth: it must not run")

    monkeypatch.setattr(codec_module, "damage", no_decoding)
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(declaring(10_000, 8_001), PROFILE, LIMITS)
    assert (refused.value.actual, refused.value.limit) == (80_010_000, 80_000_000)


@pytest.mark.parametrize("box", [PROFILE, COVER], ids=["profile", "cover"])
def test_a_jpeg_at_the_ceiling_decodes_within_the_budget(
    budgeted_codec: IsolatedCodec, box: Box
) -> None:
    """10000 x 8000, the most a header may declare: decoded at reduced scale, in budget."""
    image, usage = budgeted_codec.encode_measured(smooth_jpeg((10_000, 8_000)), box, LIMITS)
    assert image.width <= box.width and image.height <= box.height
    print(f"80 MP in {box}: peak {usage.peak_bytes / 2**20:.0f} MB, {usage.seconds:.2f} s CPU")
