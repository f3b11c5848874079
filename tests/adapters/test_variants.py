"""Smaller versions of each stored image, made by the real codec from real files."""

from __future__ import annotations

import io

import attrs
import pytest
from PIL import Image

from imagecore import Box, EncodedImage, ImageLimits, StoredImage, rules
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.model import Variant
from tests import images

PROFILE = Box(800, 800, variants=(48, 96, 192, 384))


def opened(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def test_a_still_gets_each_narrower_width_ascending_in_webp() -> None:
    photo = images.encode(Image.effect_noise((2000, 1500), 50).convert("RGB"), "JPEG")
    encoded = PillowCodec().encode(photo, PROFILE, ImageLimits())
    assert (encoded.width, encoded.height) == (800, 600)
    sizes = [(v.width, v.height) for v in encoded.variants]
    assert sizes == [(48, 36), (96, 72), (192, 144), (384, 288)]
    for variant in encoded.variants:
        picture = opened(variant.data)
        assert (picture.format, picture.size) == ("WEBP", (variant.width, variant.height))
        assert variant.media_type == "image/webp"
    assert encoded.still is None


def test_no_variant_is_wider_than_the_image() -> None:
    encoded = PillowCodec().encode(images.png((300, 200)), PROFILE, ImageLimits())
    assert [v.width for v in encoded.variants] == [48, 96, 192]
    assert PillowCodec().encode(images.png((40, 40)), PROFILE, ImageLimits()).variants == ()


def test_no_widths_no_variants() -> None:
    encoded = PillowCodec().encode(images.png((300, 200)), Box(800, 800), ImageLimits())
    assert encoded.variants == ()


@pytest.mark.parametrize(("media_type", "pillow"), [("image/avif", "AVIF"), ("image/jpeg", "JPEG")])
def test_the_box_says_what_the_variants_are_written_as(media_type: str, pillow: str) -> None:
    box = attrs.evolve(PROFILE, variant_type=media_type)
    encoded = PillowCodec().encode(images.png((300, 200)), box, ImageLimits())
    assert {opened(v.data).format for v in encoded.variants} == {pillow}
    assert {v.media_type for v in encoded.variants} == {media_type}


def test_an_animation_s_variants_stay_animated_where_jpeg_is_asked() -> None:
    """JPEG cannot animate: an animation's variants are WebP, its still a JPEG, as the box's
    variant_type_of says (the core reads the same rule to tell whether variants are current)."""
    frames = [Image.new("RGB", (200, 100), colour) for colour in ((220, 0, 0), (0, 0, 220))]
    data = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    box = attrs.evolve(PROFILE, variant_type="image/jpeg")
    encoded = PillowCodec().encode(data, box, ImageLimits())
    assert {v.media_type for v in encoded.variants} == {box.variant_type_of(animated=True)}
    assert {opened(v.data).format for v in encoded.variants} == {"WEBP"}
    assert all(getattr(opened(v.data), "n_frames", 1) == 2 for v in encoded.variants)
    assert encoded.still is not None and opened(encoded.still.data).format == "JPEG"


def test_an_animation_gets_animated_variants_and_a_still_of_its_first_frame() -> None:
    frames = [Image.new("RGB", (200, 100), colour) for colour in ((220, 0, 0), (0, 0, 220))]
    data = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80)
    encoded = PillowCodec().encode(data, PROFILE, ImageLimits())
    assert [v.width for v in encoded.variants] == [48, 96, 192]
    for variant in encoded.variants:
        assert getattr(opened(variant.data), "n_frames", 1) == 2
    # The GIF had no loop count, so it plays once, and so do its variants.
    assert all(opened(v.data).info.get("loop") == 1 for v in encoded.variants)
    assert encoded.still is not None
    still = opened(encoded.still.data).convert("RGB")
    assert getattr(opened(encoded.still.data), "n_frames", 1) == 1
    assert still.size == (200, 100)
    red, _, blue = still.getpixel((100, 50))  # type: ignore[misc]
    assert red > 180 and blue < 40  # the first frame


def stored(made: EncodedImage) -> StoredImage:
    """What the service stores of an encoded image (keys aside)."""

    def variant(image: EncodedImage) -> Variant:
        return Variant("k", image.media_type, image.width, image.height, len(image.data))

    return StoredImage(
        key="k",
        media_type=made.media_type,
        width=made.width,
        height=made.height,
        size=len(made.data),
        placeholder=made.placeholder,
        variants=tuple(variant(v) for v in made.variants),
        still=None if made.still is None else variant(made.still),
    )


def animation(size: tuple[int, int]) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in ((220, 0, 0), (0, 0, 220))]
    return images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])


@pytest.mark.parametrize("variant_type", ["image/webp", "image/avif", "image/jpeg"])
@pytest.mark.parametrize(
    "data",
    [images.png((300, 200)), images.png((40, 40)), animation((200, 100)), animation((30, 30))],
    ids=["still", "narrower than every width", "animation", "tiny animation"],
)
def test_the_core_s_rule_agrees_with_what_the_codec_makes(data: bytes, variant_type: str) -> None:
    """What the codec makes already follows the box, by the core's rule (rules.follows), which
    `imagecore variants` reads instead of decoding every image again."""
    box = attrs.evolve(PROFILE, variant_type=variant_type)
    assert rules.follows(stored(PillowCodec().encode(data, box, ImageLimits())), box)
    other = "image/webp" if variant_type != "image/webp" else "image/avif"
    made = stored(PillowCodec().encode(data, box, ImageLimits()))
    if made.variants or made.still is not None:
        assert not rules.follows(made, attrs.evolve(box, variant_type=other))
