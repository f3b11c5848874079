"""Files whose decoding would cost far more than their bytes and pixels say are refused from
their bytes, before any decoder runs."""

from __future__ import annotations

import pytest
from PIL import Image

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.gif import gif_canvas
from imagecore.adapters.pillow_codec.jpeg_segments import jpeg_scans
from imagecore.rejections import ImageTooLarge, InvalidImage
from tests import images
from tests.corpus import picture

BOX = Box(800, 800)


def progressive(size: tuple[int, int] = (64, 48)) -> bytes:
    return images.encode(Image.effect_noise(size, 60).convert("RGB"), "JPEG", progressive=True)


def with_scans(extra: int) -> bytes:
    """A progressive JPEG with its last scan repeated: each repeat is one more pass over every
    block, for a few dozen bytes."""
    data = progressive()
    last = data.rindex(b"\xff\xda")
    return data[:-2] + data[last:-2] * extra + b"\xff\xd9"


def test_a_progressive_jpeg_s_scans_are_counted_from_its_first_scan() -> None:
    """A JPEG from an encoder has about ten scans; markers in an EXIF thumbnail do not count."""
    assert 5 <= jpeg_scans(progressive()) <= 12
    assert jpeg_scans(images.jpeg()) == 1
    # An APP1 segment carrying a whole JPEG after its EXIF, scan included, as a thumbnail does.
    thumbnail = images.jpeg(size=(16, 16))
    with_thumbnail = images.encode(picture(), "JPEG", exif=Image.Exif().tobytes() + thumbnail)
    assert jpeg_scans(with_thumbnail) == 1


def test_a_jpeg_of_too_many_scans_is_refused_before_it_is_decoded() -> None:
    """Thousands of tiny scans are refused at once, naming the limit; an ordinary progressive
    JPEG passes."""
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(with_scans(5000), BOX, ImageLimits())
    assert (refused.value.limit, refused.value.unit) == (64, "scans")
    assert refused.value.actual is not None and refused.value.actual > 5000
    PillowCodec().encode(progressive(), BOX, ImageLimits())


def test_a_gif_frame_beyond_the_screen_counts_at_the_canvas_it_implies() -> None:
    """A 1x1 screen whose second frame sits at (8999, 9899) is a 9000x9900 animation, though
    its first frame and its screen say 1x1: over the pixel limit."""
    bomb = images.gif_with_frames_at((0, 0), (8999, 9899))
    assert gif_canvas(bomb) == (9000, 9900, 2)
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(bomb, BOX, ImageLimits())
    assert (refused.value.actual, refused.value.unit) == (9000 * 9900, "pixels")


def test_frames_that_grow_the_canvas_count_against_the_animation_budget() -> None:
    """Five frames on a 5001x5001 canvas they imply: 125 million pixels over all frames."""
    bomb = images.gif_with_frames_at((0, 0), *[(5000, 5000)] * 4)
    assert gif_canvas(bomb) == (5001, 5001, 5)
    with pytest.raises(ImageTooLarge) as refused:
        PillowCodec().encode(bomb, BOX, ImageLimits())
    assert refused.value.unit == "pixels over all frames"


def test_a_scan_count_that_cannot_be_told_is_refused() -> None:
    """1,001 empty comments before the first scan: the segment walk gives up before it finds the
    scans, and a walk that gives up refuses, rather than counting none and decoding them all."""
    data = progressive()
    padded = data[:2] + b"\xff\xfe\x00\x02" * 1001 + data[2:]
    assert jpeg_scans(padded) is None
    with pytest.raises(InvalidImage, match="segments do not lead to its image data"):
        PillowCodec().encode(padded, Box(800, 800), ImageLimits())
