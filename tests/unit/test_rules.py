"""The pure rules: names, replacing, deleting and what may be served."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagecore import Box, Slot, SlotPolicy, StoredImage, UserImages
from imagecore.errors import SlotEmpty, UnknownSlot
from imagecore.model import DEFAULTS_FOLDER
from imagecore.policies import DEFAULT_POLICIES
from imagecore.rules import delete, image_key, is_servable, replace, user_fragment

PROFILE = DEFAULT_POLICIES[Slot.PROFILE]
COVER_POLICY = DEFAULT_POLICIES[Slot.COVER]
#: The folders the media route serves with the default policies.
FOLDERS = {policy.folder for policy in DEFAULT_POLICIES.values()} | {DEFAULTS_FOLDER}


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
    """Anything but an exact slot name is an UnknownSlot that carries the name it was given."""
    with pytest.raises(UnknownSlot) as refused:
        Slot.parse(name)
    assert refused.value.name == name
    assert str(refused.value) == f"no slot is named {name!r}"


def test_slots_keep_files_in_their_own_folders() -> None:
    """Profile images go in resume/images/, covers in resume/covers/."""
    assert image_key(PROFILE, "42", "ab12", "jpg") == "resume/images/profile_42_ab12.jpg"
    assert image_key(COVER_POLICY, "42", "ab12", "png") == "resume/covers/cover_42_ab12.png"


def test_a_key_follows_the_policy_it_is_given() -> None:
    """A deployment's own policy names the folder and the prefix of its files."""
    policy = SlotPolicy(folder="media/avatars/", prefix="avatar", box=Box(64, 64))
    assert image_key(policy, "42", "ab12", "webp") == "media/avatars/avatar_42_ab12.webp"


@pytest.mark.parametrize(
    "user_id",
    ["../../x", "a/b\\c", "x\x00y", "." * 10, "é" * 3, "", "x" * 500, "/etc/passwd", "C:\\win"],
)
def test_hostile_user_ids_never_leave_the_folder(user_id: str) -> None:
    """Whatever the user id, the key is one plain file name directly in the slot folder."""
    key = image_key(PROFILE, user_id, "ab12", "jpg")
    folder, _, name = key.rpartition("/")
    assert folder == "resume/images"
    assert name.startswith("profile_") and name.endswith("_ab12.jpg")
    assert ".." not in name and "\\" not in name and "\x00" not in name
    assert len(name) <= len("profile__ab12.jpg") + 10
    assert is_servable(key, FOLDERS)


@given(st.text())
def test_a_name_shows_a_user_id_only_when_it_is_a_short_number(user_id: str) -> None:
    """What a public image URL shows of its user: at most ten digits, the id itself."""
    fragment = user_fragment(user_id)
    assert fragment in ("", user_id)
    assert fragment == "" or (fragment.isascii() and fragment.isdigit() and len(fragment) <= 10)


@pytest.mark.parametrize("user_id", ["alice.smith@example.com", "Alice Smith", "12345678901"])
def test_an_e_mail_address_or_a_name_is_never_in_an_image_url(user_id: str) -> None:
    """Where ids are e-mail addresses, a piece of each was in every image URL."""
    key = image_key(PROFILE, user_id, "ab12", "jpg")
    assert key == "resume/images/profile_ab12.jpg"
    assert image_key(PROFILE, "42", "ab12", "jpg") == "resume/images/profile_42_ab12.jpg"


def test_unique_part_and_extension_are_checked() -> None:
    """A unique part that is not alphanumeric, or an unknown extension, is a programming error."""
    with pytest.raises(ValueError, match="unique"):
        image_key(PROFILE, "1", "../x", "jpg")
    with pytest.raises(ValueError, match="extension"):
        image_key(PROFILE, "1", "ab", "svg")


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
    """There is nothing to delete in an empty slot; the error carries the slot."""
    with pytest.raises(SlotEmpty) as refused:
        delete(UserImages(profile_image=OLD), Slot.COVER)
    assert refused.value.slot is Slot.COVER
    assert str(refused.value) == "the cover_image slot holds no image to delete"


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
    assert is_servable(key, FOLDERS)


def test_only_the_folders_given_are_servable() -> None:
    """A key in a folder that is not among those given is not servable, whatever its name."""
    assert is_servable("media/avatars/avatar_1_ab.png", {"media/avatars/"})
    assert not is_servable("resume/images/profile_1_ab.jpg", {"media/avatars/"})
    assert not is_servable("resume/images/profile_1_ab.jpg", set())


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
    assert not is_servable(key, FOLDERS)
