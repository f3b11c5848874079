"""The core's part of a crop: it reaches the codec in its own slot's box only, and every way a
crop can be wrong is an InvalidCrop naming the slot, before anything is written."""

from __future__ import annotations

import pytest

from imagecore import Crop, ImageSlots, Slot
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.errors import InvalidCrop
from tests.fakes import PICTURE, DictStorage, FakeCodec, image_bytes


def test_the_crop_reaches_the_codec_in_its_slot_s_box_only(storage: DictStorage) -> None:
    codec = FakeCodec()
    slots = ImageSlots(storage, MemoryRepository(), codec)
    crop = Crop(10, 20, 300, 300)
    slots.upload(
        "ann", {Slot.PROFILE: image_bytes(), Slot.COVER: image_bytes()}, crops={Slot.PROFILE: crop}
    )
    boxes = {box.width: box for _, box, _ in codec.calls}
    assert boxes[800].crop == crop and boxes[2400].crop is None
    assert slots.policies[Slot.PROFILE].box.crop is None  # the policy is left as it was


@pytest.mark.parametrize(
    ("crop", "problem"),
    [
        (Crop(-1, 0, 10, 10), "negative"),
        (Crop(0, 0, 10, -10), "negative"),
        (Crop(0, 0, 0, 10), "empty"),
        (Crop(0, 0, PICTURE[0] + 1, 10), "outside"),
    ],
)
def test_a_bad_crop_names_its_slot_and_writes_nothing(
    slots: ImageSlots, storage: DictStorage, crop: Crop, problem: str
) -> None:
    with pytest.raises(InvalidCrop) as refused:
        slots.upload("ann", {Slot.COVER: image_bytes()}, crops={Slot.COVER: crop})
    assert (refused.value.slot, refused.value.problem) == (Slot.COVER, problem)
    if problem == "outside":
        assert refused.value.picture == PICTURE
    assert storage.written == []


def test_a_crop_without_its_file_is_refused(slots: ImageSlots, storage: DictStorage) -> None:
    with pytest.raises(InvalidCrop) as refused:
        slots.upload("ann", {Slot.PROFILE: image_bytes()}, crops={Slot.COVER: Crop(0, 0, 5, 5)})
    assert (refused.value.slot, refused.value.problem) == (Slot.COVER, "without its image")
    assert storage.written == []
