"""A crop frames the picture before it is sized: in the upright picture, for stills and every
frame of an animation, in both modes, whatever the EXIF orientation and the JPEG's decoding
scale."""

from __future__ import annotations

import io

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from imagecore import Box, Crop, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.codec import UPRIGHT
from imagecore.adapters.pillow_codec.pixels import draft_size, stored_region
from imagecore.errors import CropOutside
from tests import images
from tests.images import ORIENTATION, QUADRANT_COLOURS, quadrants

PROFILE = Box(800, 800, variants=(48,))
COVER = Box(2400, 1200)
FILL = Box(400, 400, fill=True)
LIMITS = ImageLimits()
#: (name, crop of a 400x400 quadrant picture, the colour it shows).
QUARTERS = [
    ("top left", Crop(0, 0, 200, 200), QUADRANT_COLOURS[0]),
    ("top right", Crop(200, 0, 200, 200), QUADRANT_COLOURS[1]),
    ("bottom left", Crop(0, 200, 200, 200), QUADRANT_COLOURS[2]),
    ("bottom right", Crop(200, 200, 200, 200), QUADRANT_COLOURS[3]),
]


def only(
    picture: Image.Image, colour: tuple[int, int, int], tolerance: int = 12, margin: int = 0
) -> bool:
    """Whether every pixel of ``picture`` is ``colour``, give or take ``tolerance`` per channel
    (resampling's rounding), ``margin`` pixels from the edges aside (where a JPEG's colour
    blocks straddle a quadrant's border)."""
    inner = picture.crop((margin, margin, picture.width - margin, picture.height - margin))
    extrema = inner.convert("RGB").getextrema()
    return all(
        low >= want - tolerance and high <= want + tolerance
        for (low, high), want in zip(extrema, colour, strict=True)  # type: ignore[misc]
    )


@pytest.mark.parametrize("box", [PROFILE, COVER, FILL], ids=["profile", "cover", "fill"])
@pytest.mark.parametrize(("name", "crop", "colour"), QUARTERS, ids=[q[0] for q in QUARTERS])
def test_the_stored_pixels_are_the_chosen_quadrant(
    box: Box, name: str, crop: Crop, colour: tuple[int, int, int]
) -> None:
    data = images.encode(quadrants((400, 400)), "PNG")
    encoded = PillowCodec().encode(data, attrs.evolve(box, crop=crop), LIMITS)
    stored = images.decode(encoded.data)
    assert stored.size == (200, 200)  # never scaled up, in either mode
    assert only(stored, colour), name
    for variant in encoded.variants:
        assert only(images.decode(variant.data), colour, tolerance=20)


def test_fill_crops_the_centre_of_the_crop_to_the_box_s_shape() -> None:
    """A wide crop in a square fill box: its centre, a square, scaled to the box."""
    data = images.encode(quadrants((800, 800)), "PNG")
    # The top half, 800 x 400: its centre square straddles the top quadrants' border.
    encoded = PillowCodec().encode(data, attrs.evolve(FILL, crop=Crop(0, 0, 800, 400)), LIMITS)
    stored = images.decode(encoded.data).convert("RGB")
    assert stored.size == (400, 400)
    assert only(stored.crop((0, 0, 190, 400)), QUADRANT_COLOURS[0])
    assert only(stored.crop((210, 0, 400, 400)), QUADRANT_COLOURS[1])


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_crop_is_read_in_the_upright_picture(orientation: int) -> None:
    """The picture is stored turned so that, with its EXIF orientation applied, it shows the
    quadrants upright; a crop of the upright top right shows green for every orientation."""
    upright = quadrants((400, 400))
    inverse = images.STORED_BY[orientation]
    stored = upright.transpose(inverse) if inverse is not None else upright
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    data = images.encode(stored, "JPEG", quality=95, exif=exif)
    box = attrs.evolve(PROFILE, crop=Crop(200, 0, 200, 200))
    shown = images.decode(PillowCodec().encode(data, box, LIMITS).data)
    assert only(shown, QUADRANT_COLOURS[1], margin=8)


def test_a_big_jpeg_cropped_still_decodes_at_reduced_scale() -> None:
    """A 12 MP JPEG cropped to a quarter and sized to 800: decoded at half scale (less work),
    and the crop still lands on its quadrant, sideways and all."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    stored = quadrants((4000, 3000)).transpose(Image.Transpose.ROTATE_90)
    data = images.encode(stored, "JPEG", quality=90, exif=exif)
    # Upright it is 4000 x 3000 again; its bottom right quadrant, yellow.
    box = attrs.evolve(PROFILE, crop=Crop(2000, 1500, 2000, 1500))
    # 2000 x 1500 to 800 x 600 needs 2.5x fewer pixels: JPEG's 1/2 scale is asked for.
    assert draft_size(3000, 4000, 6, box) == (1200, 1600)
    with Image.open(io.BytesIO(data)) as opened:
        opened.draft("RGB", draft_size(3000, 4000, 6, box))
        assert opened.size == (1500, 2000)
    shown = images.decode(PillowCodec().encode(data, box, LIMITS).data)
    assert shown.size == (800, 600)
    assert only(shown, QUADRANT_COLOURS[3], margin=8)


def test_every_frame_of_an_animation_is_cropped() -> None:
    frames = [quadrants((200, 200)), quadrants((200, 200)).transpose(Image.Transpose.ROTATE_180)]
    data = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    box = attrs.evolve(PROFILE, crop=Crop(0, 0, 100, 100))
    encoded = PillowCodec().encode(data, box, LIMITS)
    animation = images.decode(encoded.data)
    shown = []
    for n in range(getattr(animation, "n_frames", 1)):
        animation.seek(n)
        shown.append(animation.convert("RGB"))
    # The first frame's top left is red; the second, turned, has the bottom right's yellow there.
    assert len(shown) == 2 and shown[0].size == (100, 100)
    assert only(shown[0], QUADRANT_COLOURS[0]) and only(shown[1], QUADRANT_COLOURS[3])
    assert encoded.still is not None and only(
        images.decode(encoded.still.data), QUADRANT_COLOURS[0]
    )


@pytest.mark.parametrize(
    "crop", [Crop(0, 0, 401, 10), Crop(0, 391, 10, 10), Crop(400, 0, 1, 1)], ids=str
)
def test_a_crop_reaching_outside_is_refused_with_the_picture_s_size(crop: Crop) -> None:
    data = images.encode(quadrants((400, 400)), "PNG")
    with pytest.raises(CropOutside) as refused:
        PillowCodec().encode(data, attrs.evolve(PROFILE, crop=crop), LIMITS)
    assert refused.value.picture == (400, 400)


def test_a_sideways_picture_is_measured_upright() -> None:
    """Stored 300 x 200 with orientation 6, it is 200 x 300 as shown: a crop 250 tall fits,
    one 250 wide does not, and the refusal gives the upright size."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    data = images.encode(Image.new("RGB", (300, 200), "red"), "JPEG", exif=exif)
    PillowCodec().encode(data, attrs.evolve(PROFILE, crop=Crop(0, 0, 200, 250)), LIMITS)
    with pytest.raises(CropOutside) as refused:
        PillowCodec().encode(data, attrs.evolve(PROFILE, crop=Crop(0, 0, 250, 200)), LIMITS)
    assert refused.value.picture == (200, 300)


@given(
    orientation=st.integers(1, 8),
    size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    data=st.data(),
)
def test_the_stored_region_turns_into_the_crop(
    orientation: int, size: tuple[int, int], data: st.DataObject
) -> None:
    """Cutting the stored region and turning it gives exactly the crop of the upright picture."""
    stored = Image.frombytes("L", size, bytes(range(size[0] * size[1])))
    method = UPRIGHT[orientation]
    upright = stored.transpose(method) if method is not None else stored
    x = data.draw(st.integers(0, upright.width - 1))
    y = data.draw(st.integers(0, upright.height - 1))
    crop = Crop(
        x,
        y,
        data.draw(st.integers(1, upright.width - x)),
        data.draw(st.integers(1, upright.height - y)),
    )
    region = stored_region(attrs.evolve(PROFILE, crop=crop), orientation, *size)
    assert region is not None
    cut = stored.crop(tuple(int(v) for v in region))  # type: ignore[arg-type]
    turned = cut.transpose(method) if method is not None else cut
    expected = upright.crop((crop.x, crop.y, crop.x + crop.width, crop.y + crop.height))
    assert turned.tobytes() == expected.tobytes()


def test_a_crop_lands_exactly_at_a_reduced_scale_of_an_odd_width() -> None:
    """A 4001-pixel-wide JPEG decoded at 1/8: a crop ending at x=2000 ends at 250 of the
    decoded 501, not at 250.4 (the rounded-up width's ratio). The colours change at 2000, so
    the stored picture's last column is still the left one's."""
    picture = Image.new("RGB", (4001, 3000), QUADRANT_COLOURS[0])
    picture.paste(QUADRANT_COLOURS[1], (2000, 0, 4001, 3000))
    data = images.encode(picture, "JPEG", quality=95)
    box = attrs.evolve(Box(100, 100, fill=True), crop=Crop(1200, 0, 800, 800))
    shown = images.decode(PillowCodec().encode(data, box, LIMITS).data).convert("RGB")
    assert shown.size == (100, 100)
    assert only(shown.crop((98, 0, 100, 100)), QUADRANT_COLOURS[0], tolerance=8)
