"""Descriptions (alt text) in the core: checked once, stored with the image, changed alone."""

# ruff: noqa: RUF001 - text in other scripts is what these tests are about

from __future__ import annotations

import unicodedata

import pytest

from imagecore import ImageSlots, Slot
from imagecore.errors import InvalidDescription, SlotEmpty
from imagecore.rules import MAX_DESCRIPTION, MAX_MARKS_IN_A_ROW, description
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
        ("file\u202egnp.exe", "hidden characters"),
        ("an \u2067isolate\u2069 here", "hidden characters"),
        ("zero\u200bwidth", "hidden characters"),
        ("\ufeffbyte order mark", "hidden characters"),
        ("word\u2060joiner", "hidden characters"),
        ("blank \u3164 filler", "hidden characters"),
        ("Z" + "\u0301\u0316" * 400, "stacked marks"),
        ("a" + "\u0300" * (MAX_MARKS_IN_A_ROW + 1), "stacked marks"),
    ],
    ids=[
        "too long",
        "newline",
        "nul",
        "c1",
        "line separator",
        "surrogate",
        "right-to-left override",
        "isolate",
        "zero-width space",
        "byte order mark",
        "word joiner",
        "hangul filler",
        "800 marks",
        "one mark too many",
    ],
)
def test_a_description_that_cannot_be_stored_is_refused(text: str, problem: str) -> None:
    with pytest.raises(InvalidDescription) as refused:
        description(Slot.COVER, text)
    assert (refused.value.slot, refused.value.problem) == (Slot.COVER, problem)
    stacked = problem == "stacked marks"
    assert refused.value.limit == (MAX_MARKS_IN_A_ROW if stacked else MAX_DESCRIPTION)


@pytest.mark.parametrize(
    "text",
    [
        "صورتي الشخصية على الشاطئ",  # Arabic, with its letters joined
        "مُحَمَّد يبتسم",  # Arabic with its vowel marks and a shadda
        "אני בחוף הים, 2024",  # Hebrew, with digits in a right-to-left line
        "Hebrew \u200fמשמאל\u200e and back",  # right-to-left and left-to-right marks
        "मेरी तस्वीर, क्\u200dष and क्\u200cष",  # Devanagari, with ZWJ and ZWNJ after a virama
        "รูปของฉันที่ทะเล ผู้ใหญ่ กิ๊ก",  # Thai, with vowels and tone marks above
        "می\u200cخواهم",  # Persian, with its ZWNJ
        "👩\u200d💻 at work, 👨\u200d👩\u200d👧\u200d👦 at home, 🏳️\u200d🌈",  # ZWJ sequences
        # A subdivision flag, in tag characters, and a keycap.
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f, 1\ufe0f\u20e3",
        "Tiếng Việt: ảnh đại diện của tôi",  # Vietnamese, two marks on a letter
    ],
    ids=[
        "arabic",
        "arabic vowels",
        "hebrew",
        "bidi marks",
        "hindi",
        "thai",
        "persian",
        "emoji",
        "flag and keycap",
        "vietnamese",
    ],
)
def test_real_languages_and_emoji_are_taken_as_they_are(text: str) -> None:
    assert description(Slot.PROFILE, text) == text
    assert description(Slot.PROFILE, unicodedata.normalize("NFD", text)) == unicodedata.normalize(
        "NFD", text
    )


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
