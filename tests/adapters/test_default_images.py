"""The default images the core ships: their files say what the core states about them.

The variants were made by the codec, from the default itself, with the profile slot's box:

    data = (files("imagecore") / "defaults" / "profile.png").read_bytes()
    encoded = PillowCodec().encode(data, DEFAULT_POLICIES[Slot.PROFILE].box, ImageLimits())
    # then each encoded.variants[n].data written to profile_w<width>.webp beside it
"""

from __future__ import annotations

import io
from importlib.resources import files

import pytest
from PIL import Image, ImageChops, ImageStat

from imagecore import ImageLimits, ImageSlots, Slot
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.model import DEFAULT_IMAGES, DEFAULTS_FOLDER, MEDIA_TYPES
from imagecore.policies import DEFAULT_POLICIES
from tests.fakes import DictStorage

SHIPPED = sorted(DEFAULT_IMAGES)


def shipped(key: str) -> bytes:
    return (files("imagecore") / "defaults" / key.removeprefix(DEFAULTS_FOLDER)).read_bytes()


def test_every_fallback_is_described() -> None:
    assert {p.fallback for p in DEFAULT_POLICIES.values() if p.fallback} <= set(DEFAULT_IMAGES)


@pytest.mark.parametrize("key", SHIPPED)
def test_each_file_is_what_the_core_states(key: str) -> None:
    image = DEFAULT_IMAGES[key]
    for stated in (image, *image.variants):
        data = shipped(stated.key)
        assert len(data) == stated.size, stated.key
        with Image.open(io.BytesIO(data)) as decoded:
            assert decoded.size == (stated.width, stated.height), stated.key
            assert decoded.get_format_mimetype() == stated.media_type
        assert MEDIA_TYPES[stated.key.rpartition(".")[2]] == stated.media_type


@pytest.mark.parametrize("key", SHIPPED)
def test_the_codec_makes_the_same_placeholder_and_variants(key: str) -> None:
    """What the codec makes of the default today matches what ships: the same placeholder, the
    same widths, and pictures that differ by less than a level or two on average."""
    image = DEFAULT_IMAGES[key]
    made = PillowCodec().encode(shipped(key), DEFAULT_POLICIES[Slot.PROFILE].box, ImageLimits())
    assert made.placeholder == image.placeholder
    assert [(v.width, v.height, v.media_type) for v in made.variants] == [
        (v.width, v.height, v.media_type) for v in image.variants
    ]
    for ours, theirs in zip(image.variants, made.variants, strict=True):
        with (
            Image.open(io.BytesIO(shipped(ours.key))) as a,
            Image.open(io.BytesIO(theirs.data)) as b,
        ):
            difference = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
            assert max(ImageStat.Stat(difference).mean) < 2, ours.key


@pytest.mark.parametrize("key", [v.key for k in SHIPPED for v in DEFAULT_IMAGES[k].variants])
def test_the_media_route_serves_each_variant(key: str) -> None:
    slots = ImageSlots(DictStorage(), MemoryRepository(), PillowCodec())
    media = slots.media(key)
    assert media.read() == shipped(key) and media.media_type == "image/webp"
