"""Each stored image's fingerprint, taken by the codec from the pixels it shows: the same file
gives the same exact hash, a re-encoded copy another one but a PDQ hash within matching
distance; it comes back from the isolated codec's process whole."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from imagecore import ImageLimits
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.pdq import Pdq
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
