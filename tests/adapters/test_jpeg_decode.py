"""A JPEG is decoded once, by libjpeg-turbo at its reduced scale, and checked as it decodes:
the same pixels Pillow's draft decode gives, the same refusal of damaged data."""

from __future__ import annotations

import io

import attrs
import pytest
import simplejpeg
from PIL import Image, ImageFile

from imagecore import Box, Crop, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec, jpeg
from imagecore.errors import InvalidImage
from tests import images
from tests.corpus import cut

PHOTO_BOX = Box(800, 800)


def grain(mode: str, size: tuple[int, int]) -> bytes:
    noise = Image.effect_noise(size, 50)
    picture = noise if mode == "L" else Image.merge("RGB", (noise, noise.rotate(90), noise))
    return images.encode(picture, "JPEG", quality=90)


@pytest.mark.parametrize("scale", [1, 2, 4, 8])
@pytest.mark.parametrize("size", [(640, 480), (333, 251)])
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_the_one_decode_gives_the_pixels_of_pillows_draft(
    mode: str, size: tuple[int, int], scale: int
) -> None:
    """Same size and same pixels as Pillow's own decode at that scale, odd sizes included."""
    data = grain(mode, size)
    pillow = Image.open(io.BytesIO(data))
    pillow.draft(mode, (size[0] // scale, size[1] // scale))
    pillow.load()
    ours = jpeg.decode(data, mode, size, scale)
    assert ours is not None
    assert (ours.mode, ours.size) == (mode, pillow.size)
    assert ours.tobytes() == pillow.tobytes()


def test_a_jpeg_is_decoded_once_and_never_by_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    decodes: list[tuple[int, int]] = []
    real = simplejpeg.decode_jpeg

    def counted(data: bytes, *args: object, **options: int) -> object:
        decodes.append((options["min_width"], options["min_height"]))
        return real(data, *args, **options)

    loads: list[str | None] = []
    pillow_load = ImageFile.ImageFile.load

    def counted_load(image: ImageFile.ImageFile) -> object:
        loads.append(image.format)
        return pillow_load(image)

    monkeypatch.setattr(simplejpeg, "decode_jpeg", counted)
    monkeypatch.setattr(ImageFile.ImageFile, "load", counted_load)
    stored = PillowCodec().encode(grain("RGB", (3200, 2400)), PHOTO_BOX, ImageLimits())
    assert decodes == [(800, 600)]  # once, at a quarter: the box needs 800 x 600
    assert "JPEG" not in loads
    assert (stored.width, stored.height) == (800, 600)


def test_bytes_the_decoder_would_skip_are_damage() -> None:
    """Not cut short, yet not whole: junk before the scan, which Pillow decodes past."""
    data = grain("RGB", (120, 80))
    scan = data.index(b"\xff\xda")
    junk = data[:scan] + b"\x12\x34\x56" + data[scan:]
    images.decode(junk)  # Pillow's decoder takes it
    with pytest.raises(InvalidImage) as refused:
        PillowCodec().encode(junk, PHOTO_BOX, ImageLimits())
    assert refused.value.reason == "damaged"
    assert "extraneous bytes" in str(refused.value)


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_cut_jpeg_is_refused_whatever_its_scale(mode: str) -> None:
    """Cut short, at full scale and at an eighth: refused, never stored half grey."""
    data = cut(grain(mode, (1600, 1200)))
    for box in (Box(1600, 1600), Box(200, 200)):
        with pytest.raises(InvalidImage, match="premature end") as refused:
            PillowCodec().encode(data, box, ImageLimits())
        assert refused.value.reason == "damaged"


def test_a_cmyk_jpeg_goes_to_pillow_and_is_still_checked() -> None:
    """libjpeg-turbo gives no RGB of CMYK: Pillow decodes it, after the check at an eighth."""
    cmyk = images.encode(Image.effect_noise((300, 200), 50).convert("CMYK"), "JPEG")
    assert jpeg.decode(cmyk, "CMYK", (300, 200), 1) is None
    stored = images.decode(PillowCodec().encode(cmyk, PHOTO_BOX, ImageLimits()).data)
    assert (stored.mode, stored.size) == ("RGB", (300, 200))
    with pytest.raises(InvalidImage, match="premature end"):
        PillowCodec().encode(cut(cmyk), PHOTO_BOX, ImageLimits())


def test_a_cmyk_jpeg_is_cropped_where_asked_at_reduced_scale() -> None:
    """Through Pillow's draft, at the scale the codec planned for: the crop lands on the
    quadrant asked for (a draft at another scale would move it)."""
    picture = images.quadrants((1600, 1200)).convert("CMYK")
    cmyk = images.encode(picture, "JPEG", quality=95)
    bottom_right = Crop(800, 600, 800, 600)
    box = attrs.evolve(Box(200, 200), crop=bottom_right)
    stored = images.decode(PillowCodec().encode(cmyk, box, ImageLimits()).data)
    assert stored.size == (200, 150)
    centre = stored.getpixel((100, 75))
    assert isinstance(centre, tuple)
    assert images.close(centre, images.QUADRANT_COLOURS[3])


def test_a_decoder_failure_of_another_kind_is_damage_in_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fails(*args: object, **options: object) -> object:
        raise RuntimeError("deep inside the decoder")

    monkeypatch.setattr(simplejpeg, "decode_jpeg", fails)
    with pytest.raises(InvalidImage, match="it could not be read") as refused:
        PillowCodec().encode(grain("RGB", (120, 80)), PHOTO_BOX, ImageLimits())
    assert refused.value.reason == "damaged"
