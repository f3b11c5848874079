"""ImageSlots on fakes: each use case, and the order that loses nothing."""

from __future__ import annotations

import pytest
from imagecore.adapters.memory_repository import MemoryRepository

from imagecore import (
    ConcurrentUpdate,
    DefaultImage,
    ImageSlots,
    InvalidImage,
    MediaNotFound,
    NothingToUpload,
    RepositoryError,
    Slot,
    SlotEmpty,
    StorageError,
    StoredImage,
    UnsupportedImageType,
    UserImages,
    VersionConflict,
)
from tests.fakes import Counter, DictStorage, FakeCodec, Journal, JournalRepository, image_bytes


def test_a_new_user_sees_the_default_profile_and_no_cover(slots: ImageSlots) -> None:
    """With nothing uploaded, the profile slot shows the default and the cover shows nothing."""
    images = slots.current("alice")
    assert images.shown(Slot.PROFILE) == DefaultImage("resume/defaults/profile.png")
    assert images.shown(Slot.COVER) is None


def test_upload_stores_a_reencoded_file_and_references_it(
    slots: ImageSlots, storage: DictStorage
) -> None:
    """An upload writes the codec's bytes under a new name in the slot folder and shows it."""
    images = slots.upload("alice", {Slot.PROFILE: image_bytes("a")})
    image = images.profile_image
    assert image is not None
    assert image.key == "resume/images/profile_alice_0001.png"
    assert image.media_type == "image/png"
    assert storage.files[image.key] == b"PNG:a"
    assert slots.current("alice").shown(Slot.PROFILE) == image


def test_replace_removes_the_old_file_after_the_new_one_is_committed(
    slots: ImageSlots, storage: DictStorage
) -> None:
    """A second upload to a slot replaces the first, under a new name, and removes the old file."""
    first = slots.upload("alice", {Slot.COVER: image_bytes("1")}).cover_image
    second = slots.upload("alice", {Slot.COVER: image_bytes("2")}).cover_image
    assert first is not None and second is not None
    assert first.key != second.key
    assert set(storage.files) == {second.key}


def test_upload_to_one_slot_leaves_the_other_alone(slots: ImageSlots) -> None:
    """Uploading a cover keeps the profile image."""
    profile = slots.upload("alice", {Slot.PROFILE: image_bytes("p")}).profile_image
    images = slots.upload("alice", {Slot.COVER: image_bytes("c")})
    assert images.profile_image == profile
    assert images.cover_image is not None


def test_upload_both_slots_in_one_call(slots: ImageSlots, storage: DictStorage) -> None:
    """Both slots can be replaced at once."""
    images = slots.upload("alice", {Slot.PROFILE: image_bytes("p"), Slot.COVER: image_bytes("c")})
    assert images.profile_image is not None and images.cover_image is not None
    assert set(storage.files) == images.references()


def test_one_bad_file_in_a_double_upload_changes_nothing(
    slots: ImageSlots, storage: DictStorage
) -> None:
    """All or nothing: if either file is refused, neither slot changes and nothing is written."""
    before = slots.upload("alice", {Slot.PROFILE: image_bytes("p")})
    written = list(storage.written)
    with pytest.raises(InvalidImage):
        slots.upload("alice", {Slot.PROFILE: image_bytes("q"), Slot.COVER: b"not an image"})
    assert slots.current("alice") == before
    assert storage.written == written
    assert set(storage.files) == before.references()


def test_unsupported_types_are_refused_before_storage(
    slots: ImageSlots, storage: DictStorage
) -> None:
    """The codec's refusal reaches the caller and nothing is stored."""
    with pytest.raises(UnsupportedImageType, match="PDF"):
        slots.upload("alice", {Slot.COVER: b"%PDF-1.7"})
    assert storage.written == []


def test_an_upload_must_name_a_slot(slots: ImageSlots) -> None:
    """Uploading nothing is an error."""
    with pytest.raises(NothingToUpload):
        slots.upload("alice", {})


def test_delete_removes_reference_and_file(slots: ImageSlots, storage: DictStorage) -> None:
    """After a delete the slot shows its fallback and the file is gone."""
    slots.upload("alice", {Slot.PROFILE: image_bytes("p"), Slot.COVER: image_bytes("c")})
    images = slots.delete("alice", Slot.PROFILE)
    assert images.shown(Slot.PROFILE) == DefaultImage("resume/defaults/profile.png")
    assert images.cover_image is not None
    assert set(storage.files) == {images.cover_image.key}


def test_delete_of_an_empty_slot_is_slot_empty(slots: ImageSlots) -> None:
    """Deleting what is not there raises SlotEmpty and changes nothing."""
    with pytest.raises(SlotEmpty):
        slots.delete("alice", Slot.COVER)
    assert slots.current("alice") == UserImages()


def test_users_are_independent(slots: ImageSlots) -> None:
    """One user's uploads and deletes never touch another's images."""
    bob = slots.upload("bob", {Slot.PROFILE: image_bytes("b")})
    slots.upload("alice", {Slot.PROFILE: image_bytes("a")})
    slots.delete("alice", Slot.PROFILE)
    assert slots.current("bob") == bob


def test_media_serves_stored_images_and_defaults(slots: ImageSlots, storage: DictStorage) -> None:
    """Referenced files and defaults are served with the media type of their extension."""
    storage.write("resume/defaults/profile.png", b"default")
    image = slots.upload("alice", {Slot.PROFILE: image_bytes("a")}).profile_image
    assert image is not None
    served = slots.media(image.key)
    assert (served.data, served.media_type) == (b"PNG:a", "image/png")
    assert slots.media("resume/defaults/profile.png").data == b"default"


@pytest.mark.parametrize("key", ["jwt-secret", "resume/images/../../jwt-secret", "resume/x.png"])
def test_media_refuses_keys_outside_the_media_folders(
    slots: ImageSlots, storage: DictStorage, key: str
) -> None:
    """Only servable keys are read from storage; anything else is MediaNotFound."""
    storage.files[key] = b"secret"
    with pytest.raises(MediaNotFound):
        slots.media(key)


class FailingStorage(DictStorage):
    """Fails the Nth write, or every delete."""

    def __init__(self, fail_write: int | None = None, fail_delete: bool = False) -> None:
        super().__init__()
        self.fail_write = fail_write
        self.fail_delete = fail_delete

    def write(self, key: str, data: bytes) -> None:
        if self.fail_write is not None and len(self.written) + 1 == self.fail_write:
            self.written.append(key)
            raise StorageError("write", key)
        super().write(key, data)

    def delete(self, key: str) -> None:
        if self.fail_delete:
            raise StorageError("delete", key)
        super().delete(key)


class FailingRepository(MemoryRepository):
    """Refuses every save while ``failing``: with a conflict, or with a database error."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.saves = 0
        self.failing = True

    def save(self, user_id: str, images: UserImages) -> UserImages:
        self.saves += 1
        if self.failing:
            raise self.error
        return super().save(user_id, images)


def test_a_failed_second_write_removes_the_first(slots: ImageSlots) -> None:
    """If storing the second file of a double upload fails, the first new file is removed."""
    storage = FailingStorage(fail_write=2)
    service = ImageSlots(storage, MemoryRepository(), FakeCodec(), unique=Counter())
    with pytest.raises(StorageError):
        service.upload("alice", {Slot.PROFILE: image_bytes("p"), Slot.COVER: image_bytes("c")})
    assert storage.files == {}
    assert service.current("alice") == UserImages()


def test_a_failed_commit_keeps_the_old_image_and_removes_the_new_file() -> None:
    """If the repository cannot commit, the previous image stays and the new file is removed."""
    storage = DictStorage()
    repository = FailingRepository(RepositoryError("database down"))
    service = ImageSlots(storage, repository, FakeCodec(), unique=Counter())
    with pytest.raises(RepositoryError):
        service.upload("alice", {Slot.PROFILE: image_bytes("p")})
    assert storage.files == {}
    assert storage.written == ["resume/images/profile_alice_0001.png"]


def test_a_writer_that_always_loses_the_race_gives_up_cleanly() -> None:
    """After max_attempts conflicts the upload fails with ConcurrentUpdate and leaves no file."""
    storage = DictStorage()
    repository = FailingRepository(VersionConflict())
    service = ImageSlots(storage, repository, FakeCodec(), unique=Counter(), max_attempts=3)
    with pytest.raises(ConcurrentUpdate):
        service.upload("alice", {Slot.PROFILE: image_bytes("p")})
    assert repository.saves == 3
    assert storage.files == {}


OTHER_COVER = StoredImage("resume/covers/cover_alice_other.png", "image/png", 1, 1, 1)


class RacingRepository(MemoryRepository):
    """Lets another writer commit a cover image just before our first save."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def save(self, user_id: str, images: UserImages) -> UserImages:
        if not self.raced:
            self.raced = True
            super().save(user_id, self.get(user_id).with_image(Slot.COVER, OTHER_COVER))
        return super().save(user_id, images)


def test_a_lost_race_is_retried_on_the_winner_s_state() -> None:
    """When another writer commits first, the upload retries on top of it and keeps its change."""
    storage = DictStorage()
    repository = RacingRepository()
    service = ImageSlots(storage, repository, FakeCodec(), unique=Counter())
    images = service.upload("alice", {Slot.PROFILE: image_bytes("p")})
    assert images.profile_image is not None
    assert images.cover_image is not None
    assert images.cover_image == OTHER_COVER
    assert images.version == 2


def test_a_file_that_cannot_be_removed_does_not_fail_the_committed_change() -> None:
    """Once a replace is committed it succeeds even if the old file cannot be removed now."""
    storage = FailingStorage(fail_delete=True)
    service = ImageSlots(storage, MemoryRepository(), FakeCodec(), unique=Counter())
    service.upload("alice", {Slot.PROFILE: image_bytes("1")})
    images = service.upload("alice", {Slot.PROFILE: image_bytes("2")})
    assert images.profile_image is not None
    assert images.profile_image.key == "resume/images/profile_alice_0002.png"
    assert len(storage.files) == 2  # the orphan waits for the sweep


@pytest.fixture
def journal() -> Journal:
    return []


@pytest.fixture
def journaled(journal: Journal) -> ImageSlots:
    """The service on a storage and repository that log, in one journal, what they do."""
    return ImageSlots(
        DictStorage(journal), JournalRepository(journal), FakeCodec(), unique=Counter()
    )


def test_a_replace_writes_then_commits_then_removes(
    journaled: ImageSlots, journal: Journal
) -> None:
    """The new file is written, then referenced, and only then is the old file removed."""
    old = journaled.upload("alice", {Slot.PROFILE: image_bytes("1")}).profile_image
    journal.clear()
    new = journaled.upload("alice", {Slot.PROFILE: image_bytes("2")}).profile_image
    assert old is not None and new is not None
    assert journal == [("write", new.key), ("save", {new.key}), ("delete", old.key)]


def test_a_delete_commits_then_removes(journaled: ImageSlots, journal: Journal) -> None:
    """The reference goes first; the file is removed only after that is committed."""
    old = journaled.upload("alice", {Slot.COVER: image_bytes("c")}).cover_image
    journal.clear()
    journaled.delete("alice", Slot.COVER)
    assert old is not None
    assert journal == [("save", set()), ("delete", old.key)]


def test_a_failed_commit_of_a_replace_leaves_the_old_image_untouched() -> None:
    """If the commit fails, the old image stays referenced and stored; the new file is removed."""
    storage, repository = DictStorage(), FailingRepository(RepositoryError("database down"))
    service = ImageSlots(storage, repository, FakeCodec(), unique=Counter())
    repository.failing = False
    old = service.upload("alice", {Slot.PROFILE: image_bytes("old")})
    repository.failing = True
    with pytest.raises(RepositoryError):
        service.upload("alice", {Slot.PROFILE: image_bytes("new")})
    assert service.current("alice") == old
    assert storage.files == {"resume/images/profile_alice_0001.png": b"PNG:old"}
    assert storage.written[-1] == "resume/images/profile_alice_0002.png"
