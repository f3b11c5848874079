"""The pure rules: names, replacing, deleting and what may be served."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagecore import DefaultImage, Slot, SlotEmpty, StoredImage, UnknownSlot, UserImages
from imagecore.rules import delete, image_key, is_servable, replace, safe_user_fragment


def stored(key: str) -> StoredImage:
    return StoredImage(key=key, media_type="image/png", width=1, height=1, size=1)


OLD = stored("resume/images/profile_u_old.png")
NEW = stored("resume/images/profile_u_new.png")
COVER = stored("resume/covers/cover_u_c.png")


def test_slot_names_are_the_api_field_names() -> None:
    """Each slot is named by its form field and query value."""
    assert [slot.value for slot in Slot] == ["profile_image", "cover_image"]
    assert Slot.parse("cover_image") is Slot.COVER


@pytest.mark.parametrize("name", [None, "", "avatar", "PROFILE_IMAGE", "profile_image,cover_image"])
def test_unknown_slot_names_are_refused(name: str | None) -> None:
    """Anything but an exact slot name is an UnknownSlot, whose message lists the valid ones."""
    with pytest.raises(UnknownSlot, match="'profile_image' or 'cover_image'"):
        Slot.parse(name)


def test_slots_keep_files_in_their_own_folders() -> None:
    """Profile images go in resume/images/, covers in resume/covers/."""
    assert image_key(Slot.PROFILE, "42", "ab12", "jpg") == "resume/images/profile_42_ab12.jpg"
    assert image_key(Slot.COVER, "42", "ab12", "png") == "resume/covers/cover_42_ab12.png"


@pytest.mark.parametrize(
    "user_id",
    ["../../x", "a/b\\c", "x\x00y", "." * 10, "é" * 3, "", "x" * 500, "/etc/passwd", "C:\\win"],
)
def test_hostile_user_ids_never_leave_the_folder(user_id: str) -> None:
    """Whatever the user id, the key is one plain file name directly in the slot folder."""
    key = image_key(Slot.PROFILE, user_id, "ab12", "jpg")
    folder, _, name = key.rpartition("/")
    assert folder == "resume/images"
    assert name.startswith("profile_") and name.endswith("_ab12.jpg")
    assert ".." not in name and "\\" not in name and "\x00" not in name
    assert len(name) <= len("profile__ab12.jpg") + 32
    assert is_servable(key)


@given(st.text())
def test_any_user_id_gives_a_safe_fragment(user_id: str) -> None:
    """The fragment is 1 to 32 ASCII letters, digits or hyphens for every possible id."""
    fragment = safe_user_fragment(user_id)
    assert 1 <= len(fragment) <= 32
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in fragment)


def test_unique_part_and_extension_are_checked() -> None:
    """A unique part that is not alphanumeric, or an unknown extension, is a programming error."""
    with pytest.raises(ValueError, match="unique"):
        image_key(Slot.PROFILE, "1", "../x", "jpg")
    with pytest.raises(ValueError, match="extension"):
        image_key(Slot.PROFILE, "1", "ab", "svg")


def test_replacing_makes_the_old_file_garbage() -> None:
    """A replace puts the new image in the slot and marks the old one's file for removal."""
    change = replace(UserImages(profile_image=OLD, cover_image=COVER), {Slot.PROFILE: NEW})
    assert change.images.profile_image == NEW
    assert change.images.cover_image == COVER
    assert change.garbage == {OLD.key}


def test_first_upload_leaves_no_garbage() -> None:
    """Filling an empty slot removes nothing."""
    change = replace(UserImages(), {Slot.COVER: COVER})
    assert change.images.cover_image == COVER
    assert change.garbage == frozenset()


def test_replacing_both_slots_collects_both_old_files() -> None:
    """Replacing both slots at once makes both previous files garbage."""
    new_cover = stored("resume/covers/cover_u_d.png")
    change = replace(
        UserImages(profile_image=OLD, cover_image=COVER), {Slot.PROFILE: NEW, Slot.COVER: new_cover}
    )
    assert change.garbage == {OLD.key, COVER.key}


def test_deleting_empties_the_slot_and_collects_its_file() -> None:
    """Delete removes the reference and marks the file for removal."""
    change = delete(UserImages(profile_image=OLD, cover_image=COVER), Slot.PROFILE)
    assert change.images == UserImages(cover_image=COVER)
    assert change.garbage == {OLD.key}


def test_deleting_an_empty_slot_is_an_error() -> None:
    """There is nothing to delete in an empty slot; the error names the slot."""
    with pytest.raises(SlotEmpty, match="Cover image not found"):
        delete(UserImages(profile_image=OLD), Slot.COVER)


def test_empty_profile_shows_the_default_and_empty_cover_shows_nothing() -> None:
    """The profile slot falls back to the default image; the cover slot to nothing."""
    images = UserImages()
    assert images.shown(Slot.PROFILE) == DefaultImage("resume/defaults/profile.png")
    assert images.shown(Slot.COVER) is None
    assert UserImages(profile_image=OLD).shown(Slot.PROFILE) == OLD


@pytest.mark.parametrize(
    "key",
    [
        "resume/images/profile_1_ab.jpg",
        "resume/covers/cover_1_ab.webp",
        "resume/defaults/profile.png",
    ],
)
def test_files_in_slot_and_default_folders_are_servable(key: str) -> None:
    """Image files directly in a known folder may be served."""
    assert is_servable(key)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "jwt-secret",
        "resume/images/",
        "resume/images/../../jwt-secret",
        "resume/images/..png",
        "resume/images/.hidden.png",
        "resume/images/.profile_1.jpg.tmp",
        "resume/images/sub/profile.png",
        "resume/images/profile.svg",
        "resume/images/profile.html",
        "resume/images/a\x00.png",
        "resume/images/a\\..\\b.png",
        "/resume/images/a.png",
        "resume//images/a.png",
        "other/a.png",
    ],
)
def test_anything_else_is_not_servable(key: str) -> None:
    """Secrets, temporary files, other folders, other types and path tricks are never served."""
    assert not is_servable(key)
