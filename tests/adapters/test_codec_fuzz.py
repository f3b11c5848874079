"""Mutated real images: the codec answers with a clean image or an ImageRejected, nothing else."""

from __future__ import annotations

import io
import logging
import os
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from imagecore import Box, ImageLimits, ImageRejected
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.policies import DEFAULT_POLICIES
from tests import images

#: The boxes images are brought to: each slot's, and one that crops.
BOXES = (*(policy.box for policy in DEFAULT_POLICIES.values()), Box(64, 64, fill=True))
LIMITS = ImageLimits()

#: `make fuzz` raises this; `make test` runs a bounded number.
EXAMPLES = int(os.environ.get("IMAGECORE_FUZZ_EXAMPLES", "150"))


@cache
def seeds() -> tuple[bytes, ...]:
    frames = [Image.new("RGB", (30, 30), (i * 50, 0, 0)) for i in range(4)]
    return (
        images.jpeg(size=(120, 80)),
        images.phone_photo(6),
        images.png_with_text(),
        images.encode(Image.new("P", (30, 30), 3), "PNG", transparency=3),
        images.png16_rgb((16, 16), (1000, 2000, 3000)),
        images.gif(),
        images.webp(),
        images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        images.encode(frames[0], "WEBP", save_all=True, append_images=frames[1:]),
        images.encode(Image.new("CMYK", (30, 30)), "JPEG"),
    )


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "splice"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 32))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "truncate":
            del data[at:]
        else:  # a chunk of another seed spliced in
            other = draw(st.sampled_from(seeds()))
            start = draw(st.integers(0, len(other) - 1))
            data[at:at] = other[start : start + draw(st.integers(1, 64))]
        if not data:
            break
    return bytes(data)


def test_every_seed_is_accepted() -> None:
    """The unmutated images are all good ones: the fuzz starts from what the codec accepts."""
    for seed in seeds():
        _codec().encode(seed, BOXES[0], LIMITS)


# Pillow warns (and goes on) about corrupt EXIF and the like; only this suite's own settings
# make warnings errors, so they are let through here as they are in a server.
@pytest.mark.filterwarnings("ignore::UserWarning")
@settings(
    max_examples=EXAMPLES,
    # The same examples on every `make test`, so a green run stays green; `make fuzz` explores.
    derandomize="IMAGECORE_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=mutated(), box=st.sampled_from(BOXES))
def test_mutated_images_give_a_clean_image_or_a_refusal(
    data: bytes, box: Box, caplog: pytest.LogCaptureFixture
) -> None:
    """Accepted files decode as their format and fit the box; refused ones are refused for a
    reason the codec foresaw: an exception it did not expect (which it still turns into a
    refusal, and logs) fails the fuzz."""
    codec = _codec()
    caplog.clear()
    try:
        with caplog.at_level(logging.WARNING, logger=PillowCodec.__module__):
            encoded = codec.encode(data, box, LIMITS)
    except ImageRejected:
        unexpected = [r.exc_info[1] for r in caplog.records if r.exc_info]
        assert unexpected == [], f"an unforeseen exception: {unexpected[0]!r}"
        return
    stored = Image.open(io.BytesIO(encoded.data))
    stored.load()
    assert (
        stored.format
        == {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}[encoded.extension]
    )
    assert (stored.width, stored.height) == (encoded.width, encoded.height)
    assert stored.width <= box.width and stored.height <= box.height
    assert not stored.getexif() and "icc_profile" not in stored.info


@cache
def _codec() -> PillowCodec:
    return PillowCodec()
