"""Descriptions (alt text) in the core: checked once, stored with the image, changed alone."""

from __future__ import annotations

import pytest

from imagecore import ImageSlots, Slot
from imagecore.errors import InvalidDescription, SlotEmpty
from imagecore.rules import MAX_DESCRIPTION, description
from tests.fakes import image_bytes


def test_a_description_is_trimmed() -> None:
    assert description(Slot.PROFILE, "  Me, smiling \t ") == "Me, smiling"
    assert description(Slot.PROFILE, "") == ""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("x" * (MAX_DESCRIPTION + 1), "too long"),
        ("one\ntwo", "control characters"),
        ("nul\x00", "control characters"),
        ("c1\x85inside", "control characters"),
        ("line\u2028separator", "control characters"),
        ("lone \ud800", "not text"),
    ],
    ids=["too long", "newline", "nul", "c1", "line separator", "surrogate"],
)
def test_a_description_that_cannot_be_stored_is_refused(text: str, problem: str) -> None:
    with pytest.raises(InvalidDescription) as refused:
        description(Slot.COVER, text)
    assert (refused.value.slot, refused.value.problem) == (Slot.COVER, problem)
    assert refused.value.limit == MAX_DESCRIPTION


def test_an_upload_stores_each_slot_s_description(slots: ImageSlots) -> None:
    images = slots.upload(
        "alice",
        {Slot.PROFILE: image_bytes("p"), Slot.COVER: image_bytes("c")},
        {Slot.PROFILE: " Me "},
    )
    assert images.profile_image is not None and images.profile_image.alt == "Me"
    assert images.cover_image is not None and images.cover_image.alt == ""
    assert slots.current("alice") == images


def test_a_bad_description_stops_the_upload_before_anything_is_written(
    slots: ImageSlots,
) -> None:
    before = slots.upload("alice", {Slot.PROFILE: image_bytes("p")}, {Slot.PROFILE: "Me"})
    with pytest.raises(InvalidDescription):
        slots.upload("alice", {Slot.PROFILE: image_bytes("q")}, {Slot.PROFILE: "a\x1bb"})
    assert slots.current("alice") == before


def test_a_description_needs_its_slot_s_new_image(slots: ImageSlots) -> None:
    """A request error (400 over HTTP), not a bug: nothing is written."""
    with pytest.raises(InvalidDescription) as refused:
        slots.upload("alice", {Slot.PROFILE: image_bytes("p")}, {Slot.COVER: "A banner"})
    assert (refused.value.slot, refused.value.problem) == (Slot.COVER, "without its image")
    assert slots.current("alice").version == 0


def test_describe_changes_only_the_descriptions(slots: ImageSlots) -> None:
    uploaded = slots.upload("alice", {Slot.PROFILE: image_bytes("p"), Slot.COVER: image_bytes("c")})
    described = slots.describe("alice", {Slot.COVER: "Tulips"})
    assert described.cover_image is not None and uploaded.cover_image is not None
    assert described.cover_image.alt == "Tulips"
    assert described.cover_image.key == uploaded.cover_image.key
    assert described.profile_image == uploaded.profile_image
    assert described.version == uploaded.version + 1


def test_describing_an_empty_slot_is_an_error_that_changes_nothing(slots: ImageSlots) -> None:
    uploaded = slots.upload("alice", {Slot.PROFILE: image_bytes("p")}, {Slot.PROFILE: "Me"})
    with pytest.raises(SlotEmpty) as refused:
        slots.describe("alice", {Slot.PROFILE: "Not me", Slot.COVER: "x"})
    assert (refused.value.slot, refused.value.action) == (Slot.COVER, "describe")
    assert slots.current("alice") == uploaded
