"""Animated PNGs stay animated: stored as APNG, lossless like their source and shown animated by
every browser, under the same frame and pixel budgets as GIF and WebP."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.rejections import ImageTooLarge
from tests import images
from tests.corpus import apng


def test_an_apng_keeps_every_frame_its_timing_and_its_loop_count() -> None:
    """Three frames of 100, 110 and 120 ms, played twice, come out as exactly that."""
    encoded = PillowCodec().encode(apng(frames=3, loop=2), Box(800, 800), ImageLimits())
    stored = images.decode(encoded.data)
    assert (encoded.extension, stored.format, stored.n_frames) == ("png", "PNG", 3)
    assert stored.info["loop"] == 2
    durations = []
    for n in range(3):
        stored.seek(n)
        durations.append(stored.info["duration"])
    assert durations == [100, 110, 120]


def test_each_frame_of_an_apng_is_the_frame_that_was_sent() -> None:
    """Frames are whole pictures, pixel for pixel the ones of the upload."""
    sent = apng(frames=3)
    stored = images.decode(PillowCodec().encode(sent, Box(800, 800), ImageLimits()).data)
    original = Image.open(io.BytesIO(sent))
    for n in range(3):
        stored.seek(n)
        original.seek(n)
        assert stored.convert("RGBA").tobytes() == original.convert("RGBA").tobytes()


def test_an_apng_is_held_to_the_animation_budgets() -> None:
    """More frames than the limit, or more pixels over all frames, is refused as for a GIF."""
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(apng(frames=4), Box(800, 800), ImageLimits(max_frames=3))
    assert (refused.value.actual, refused.value.unit) == (4, "frames")
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(
            apng(frames=4), Box(800, 800), ImageLimits(max_animation_pixels=4 * 40 * 20 - 1)
        )
    assert refused.value.unit == "pixels over all frames"
