"""Each stored image's fingerprint, taken by the codec from the pixels it shows: the same file
gives the same exact hash, a re-encoded copy another one but a PDQ hash within matching
distance, a copy cropped by 5 % a hash within matching distance of one of its crops'; it comes
back from the isolated codec's process whole."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from imagecore import ImageLimits
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.fingerprint import CROPS, fingerprint_of
from imagecore.adapters.pillow_codec.pdq import MAX_SIDE, Pdq, pdq_of
from imagecore.blocking import pdq_distance
from imagecore.model import Slot
from imagecore.policies import DEFAULT_POLICIES
from tests import images

BOX = DEFAULT_POLICIES[Slot.PROFILE].box
COVER = DEFAULT_POLICIES[Slot.COVER].box


def photo() -> bytes:
    """A real photograph (the PDQ reference's bridge, 512 x 321)."""
    return (Path(__file__).parents[1] / "fixtures" / "pdq" / "bridge-1-original.jpg").read_bytes()


def test_the_same_file_gives_the_same_fingerprint_and_a_copy_a_near_one() -> None:
    codec = PillowCodec()
    original = photo()
    first = codec.encode(original, BOX, ImageLimits()).fingerprint
    again = codec.encode(original, BOX, ImageLimits()).fingerprint
    assert first is not None and first == again
    assert first.quality >= 50
    copy = io.BytesIO()
    Image.open(io.BytesIO(original)).save(copy, "PNG")
    other = codec.encode(copy.getvalue(), BOX, ImageLimits()).fingerprint
    assert other is not None and other.exact != first.exact
    assert Pdq(first.pdq, first.quality).distance(other.pdq) <= 31


def test_an_animation_is_fingerprinted_by_its_first_frame() -> None:
    frames = [images.quadrants((120, 90)).rotate(turn) for turn in (0, 90, 180)]
    gif = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80)
    encoded = PillowCodec().encode(gif, BOX, ImageLimits())
    assert encoded.fingerprint is not None
    assert len(encoded.fingerprint.pdq) == 64


def test_the_fingerprint_comes_back_from_the_decode_process() -> None:
    data = photo()
    codec = IsolatedCodec(PillowCodec, seconds=10)
    try:
        isolated = codec.encode(data, COVER, ImageLimits()).fingerprint
    finally:
        codec.close()
    assert isolated == PillowCodec().encode(data, COVER, ImageLimits()).fingerprint


def test_the_crops_hashes_are_their_own_and_the_same_each_time() -> None:
    """Beside the whole's PDQ hash, one for each of the crops, none of them the whole's nor each
    other's, and the same for the same file."""
    codec = PillowCodec()
    first = codec.encode(photo(), BOX, ImageLimits()).fingerprint
    again = codec.encode(photo(), BOX, ImageLimits()).fingerprint
    assert first is not None and again is not None
    assert first.crops == again.crops
    assert len(first.crops) == len(CROPS) == len(set(first.crops))
    assert all(len(crop) == 64 and crop != first.pdq for crop in first.crops)


def test_each_crop_s_hash_is_near_that_crop_hashed_alone() -> None:
    """The crops are hashed from the whole's reduced copy and its first blur, in the order of
    CROPS: each within the reference test's 16 bits of the part it names, cut out of that copy
    and hashed alone."""
    picture = Image.open(io.BytesIO(photo())).convert("RGB")
    fingerprint = fingerprint_of(picture)
    small = picture.reduce(-(-max(picture.size) // MAX_SIDE))
    for crop, found in zip(CROPS, fingerprint.crops, strict=True):
        top, bottom, left, right = crop.within(small.height, small.width)
        alone = pdq_of(small.crop((left, top, right, bottom)))
        assert alone.distance(found) <= 16, crop


@pytest.mark.parametrize(
    "margins",
    [(0.025, 0.025, 0.025, 0.025), (0.0, 0.0, 0.05, 0.05), (0.05, 0.0, 0.0, 0.0)],
    ids=["5 % centred", "5 % from a corner", "5 % from one side"],
)
def test_a_cropped_copy_is_near_a_crop_s_hash_and_far_from_the_whole_s(
    margins: tuple[float, float, float, float],
) -> None:
    """A copy cut by 5 % (the left, top, right and bottom margins), re-encoded, is beyond
    matching distance of the whole's hash and within it of one of the crops'."""
    codec = PillowCodec()
    original = codec.encode(photo(), BOX, ImageLimits()).fingerprint
    assert original is not None
    picture = Image.open(io.BytesIO(photo())).convert("RGB")
    left, top, right, bottom = margins
    width, height = picture.size
    cut = picture.crop(
        (
            round(width * left),
            round(height * top),
            round(width * (1 - right)),
            round(height * (1 - bottom)),
        )
    )
    copy = codec.encode(images.encode(cut, "JPEG", quality=90), BOX, ImageLimits()).fingerprint
    assert copy is not None
    assert pdq_distance(original.pdq, copy.pdq) > 31
    assert min(pdq_distance(crop, copy.pdq) for crop in original.crops) <= 31


def test_what_hides_under_transparent_pixels_does_not_change_the_perceptual_hash() -> None:
    """Two copies of a transparent picture, differing only in the colours nobody sees, have
    the same PDQ hashes: repainting them cannot carry a taken-down picture past its block."""
    picture = Image.open(io.BytesIO(photo())).convert("RGBA").resize((400, 300))
    mask = Image.new("L", picture.size, 0)
    mask.paste(255, (60, 40, 340, 260))  # a cut-out: only the middle shows
    picture.putalpha(mask)
    junk = Image.effect_noise(picture.size, 90).convert("RGB")
    repainted = Image.composite(picture, junk.convert("RGBA"), mask)
    repainted.putalpha(mask)
    assert picture.tobytes() != repainted.tobytes()
    one, other = fingerprint_of(picture), fingerprint_of(repainted)
    assert (one.pdq, one.crops) == (other.pdq, other.crops)
    assert one.exact != other.exact  # the pixels, hidden ones too, are not the same


def test_a_host_without_a_blocklist_may_skip_the_fingerprints() -> None:
    still = PillowCodec(fingerprints=False).encode(photo(), BOX, ImageLimits())
    frames = [images.quadrants((120, 90)).rotate(turn) for turn in (0, 90, 180)]
    gif = images.encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80)
    animated = PillowCodec(fingerprints=False).encode(gif, BOX, ImageLimits())
    assert still.fingerprint is None and animated.fingerprint is None
    assert PillowCodec().encode(photo(), BOX, ImageLimits()).fingerprint is not None
