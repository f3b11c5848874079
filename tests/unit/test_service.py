"""ImageSlots on fakes: each use case, and the order that loses nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest

from imagecore import (
    Box,
    ConcurrentUpdate,
    DefaultImage,
    ImageLimits,
    ImageSlots,
    MediaNotFound,
    RepositoryError,
    Slot,
    SlotPolicy,
    StorageError,
    StoredImage,
    UserImages,
    VersionConflict,
)
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.audit import AuditRecord
from imagecore.errors import NothingToUpload, SlotEmpty
from imagecore.model import DEFAULTS_FOLDER
from imagecore.policies import DEFAULT_POLICIES
from imagecore.rejections import ImageTooLarge, InvalidImage, UnsupportedImageType
from tests.fakes import Counter, DictStorage, FakeCodec, Journal, JournalRepository, image_bytes

#: The default profile image as it ships, in the repository's source tree.
DEFAULT_PROFILE_PNG = Path(__file__).parents[2] / "src" / "imagecore" / "defaults" / "profile.png"
DEFAULT_PROFILE = DEFAULTS_FOLDER + "profile.png"

#: A deployment's own slots: other folders, other boxes, and the fallback on the other slot.
CUSTOM_POLICIES = {
    Slot.PROFILE: SlotPolicy(folder="media/avatars/", prefix="avatar", box=Box(64, 64, fill=True)),
    Slot.COVER: SlotPolicy(
        folder="media/banners/", prefix="banner", box=Box(300, 100), fallback=DEFAULT_PROFILE
    ),
}


def test_a_new_user_sees_the_default_profile_and_no_cover(slots: ImageSlots) -> None:
    """With nothing uploaded, the profile slot shows the default and the cover shows nothing."""
    shown = slots.shown(slots.current("alice"))
    assert shown == {Slot.PROFILE: DefaultImage(DEFAULT_PROFILE), Slot.COVER: None}


def test_a_slot_shows_its_image_once_it_has_one(slots: ImageSlots) -> None:
    """An uploaded image is shown instead of the fallback; the other slot is unchanged."""
    images = slots.upload("alice", {Slot.PROFILE: image_bytes("a")})
    assert slots.shown(images) == {Slot.PROFILE: images.profile_image, Slot.COVER: None}


def test_what_an_empty_slot_shows_follows_the_policies() -> None:
    """A slot whose policy has no fallback shows nothing; one with a fallback shows it."""
    service = ImageSlots(DictStorage(), MemoryRepository(), FakeCodec(), policies=CUSTOM_POLICIES)
    assert service.shown(UserImages()) == {
        Slot.PROFILE: None,
        Slot.COVER: DefaultImage(DEFAULT_PROFILE),
    }


def test_policies_must_name_every_slot() -> None:
    """A service whose policies leave a slot out is refused when it is built."""
    with pytest.raises(ValueError, match="every slot"):
        ImageSlots(
            DictStorage(),
            MemoryRepository(),
            FakeCodec(),
            policies={Slot.PROFILE: DEFAULT_POLICIES[Slot.PROFILE]},
        )


def test_each_slot_s_box_and_the_limits_reach_the_codec() -> None:
    """The codec is asked for the box of each file's slot, under the service's limits, and the
    file is stored in that slot's folder under its prefix."""
    codec, limits = FakeCodec(), ImageLimits(max_pixels=1000, max_frames=2)
    service = ImageSlots(
        DictStorage(), MemoryRepository(), codec, CUSTOM_POLICIES, limits, unique=Counter()
    )
    images = service.upload("alice", {Slot.PROFILE: image_bytes("p"), Slot.COVER: image_bytes("c")})
    assert codec.calls == [
        (image_bytes("p"), Box(64, 64, fill=True), limits),
        (image_bytes("c"), Box(300, 100), limits),
    ]
    assert images.profile_image is not None and images.cover_image is not None
    assert images.profile_image.key == "media/avatars/avatar_0001.png"
    assert images.cover_image.key == "media/banners/banner_0002.png"


def test_a_file_over_the_byte_limit_is_refused_before_the_codec_sees_any_file() -> None:
    """The byte limit is checked on every file first: the codec never runs, nothing is stored."""
    codec, storage = FakeCodec(), DictStorage()
    service = ImageSlots(storage, MemoryRepository(), codec, limits=ImageLimits(max_bytes=8))
    small, large = image_bytes("abcd"), image_bytes("abcde")
    assert (len(small), len(large)) == (8, 9)
    with pytest.raises(ImageTooLarge) as refused:
        service.upload("alice", {Slot.PROFILE: small, Slot.COVER: large})
    assert (refused.value.what, refused.value.unit) == ("file", "bytes")
    assert (refused.value.actual, refused.value.limit) == (9, 8)
    assert codec.calls == []
    assert storage.written == []
    assert service.upload("alice", {Slot.PROFILE: small}).profile_image is not None


def test_upload_stores_a_reencoded_file_and_references_it(
    slots: ImageSlots, storage: DictStorage
) -> None:
    """An upload writes the codec's bytes under a new name in the slot folder and shows it."""
    images = slots.upload("alice", {Slot.PROFILE: image_bytes("a")})
    image = images.profile_image
    assert image is not None
    assert image.key == "resume/images/profile_0001.png"
    assert image.media_type == "image/png"
    assert storage.files[image.key] == b"PNG:a"
    assert slots.shown(slots.current("alice"))[Slot.PROFILE] == image


def test_replace_removes_the_old_file_after_the_new_one_is_committed(
    slots: ImageSlots, storage: DictStorage
) -> None:
    """A second upload to a slot replaces the first, under a new name, and removes the old
    file and its variants."""
    first = slots.upload("alice", {Slot.COVER: image_bytes("1")}).cover_image
    second = slots.upload("alice", {Slot.COVER: image_bytes("2")}).cover_image
    assert first is not None and second is not None
    assert first.key != second.key and len(second.keys) == 4  # the image and 3 variants
    assert set(storage.files) == set(second.keys)


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
    assert slots.shown(images)[Slot.PROFILE] == DefaultImage(DEFAULT_PROFILE)
    assert images.cover_image is not None
    assert set(storage.files) == set(images.cover_image.keys)


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


def test_media_serves_an_upload_from_storage_as_immutable(slots: ImageSlots) -> None:
    """An upload is served from storage, with its media type; its bytes never change."""
    image = slots.upload("alice", {Slot.PROFILE: image_bytes("a")}).profile_image
    assert image is not None
    served = slots.media(image.key)
    assert (served.key, served.media_type, served.stream.size) == (image.key, "image/png", 5)
    assert served.immutable is True
    assert served.read() == b"PNG:a"


def test_media_serves_the_default_image_from_the_core_s_own_files(
    slots: ImageSlots, storage: DictStorage
) -> None:
    """The default is the PNG that ships in the core's package, not a file in storage, and it
    may change with a release."""
    storage.files[DEFAULT_PROFILE] = b"a stale copy in storage"
    served = slots.media(DEFAULT_PROFILE)
    data = served.read()
    assert data == DEFAULT_PROFILE_PNG.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (served.media_type, served.immutable) == ("image/png", False)


def test_a_default_that_does_not_ship_is_not_found(slots: ImageSlots) -> None:
    """Only the defaults the core ships are served from its folder."""
    with pytest.raises(MediaNotFound):
        slots.media(DEFAULTS_FOLDER + "cover.png")


@pytest.mark.parametrize("key", ["jwt-secret", "resume/images/../../jwt-secret", "resume/x.png"])
def test_media_refuses_keys_outside_the_media_folders(
    slots: ImageSlots, storage: DictStorage, key: str
) -> None:
    """Only servable keys are read from storage; anything else is MediaNotFound."""
    storage.files[key] = b"secret"
    with pytest.raises(MediaNotFound):
        slots.media(key)


def test_media_serves_only_the_folders_of_the_service_s_policies() -> None:
    """With its own policies, a service serves their folders, not the default policies' ones."""
    storage = DictStorage()
    service = ImageSlots(
        storage, MemoryRepository(), FakeCodec(), policies=CUSTOM_POLICIES, unique=Counter()
    )
    image = service.upload("alice", {Slot.PROFILE: image_bytes("a")}).profile_image
    assert image is not None
    assert service.media(image.key).read() == b"PNG:a"
    storage.files["resume/images/profile_0001.png"] = b"PNG:elsewhere"
    with pytest.raises(MediaNotFound):
        service.media("resume/images/profile_0001.png")


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

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        self.saves += 1
        if self.failing:
            raise self.error
        return super().save(user_id, images, records)


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
    assert storage.written[0] == "resume/images/profile_0001.png"
    assert len(storage.written) == 5  # the image and its 4 variants, all removed


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

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        if not self.raced:
            self.raced = True
            super().save(user_id, self.get(user_id).with_image(Slot.COVER, OTHER_COVER))
        return super().save(user_id, images, records)


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
    assert images.profile_image.key == "resume/images/profile_0002.png"
    assert len(storage.files) == 2 * 5  # the orphans wait for the sweep


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
    writes = len(new.keys)
    assert journal[: writes + 1] == [*(("write", key) for key in new.keys), ("save", set(new.keys))]
    assert sorted(journal[writes + 1 :]) == sorted(("delete", key) for key in old.keys)


def test_a_delete_commits_then_removes(journaled: ImageSlots, journal: Journal) -> None:
    """The reference goes first; the file is removed only after that is committed."""
    old = journaled.upload("alice", {Slot.COVER: image_bytes("c")}).cover_image
    journal.clear()
    journaled.delete("alice", Slot.COVER)
    assert old is not None
    assert journal[0] == ("save", set())
    assert sorted(journal[1:]) == sorted(("delete", key) for key in old.keys)


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
    assert old.profile_image is not None
    assert set(storage.files) == set(old.profile_image.keys)
    assert storage.files["resume/images/profile_0001.png"] == b"PNG:old"
    assert "resume/images/profile_0002.png" in storage.written


@pytest.mark.parametrize(
    "fallback",
    [
        "resume/defaults/cover.png",  # a default that does not ship
        "resume/images/profile.png",  # a slot folder: the sweep would remove it
        "resume/defaults/../images/x.png",
        "resume/defaults/profile_w96.webp",  # ships, but as a variant: not a described default
    ],
)
def test_a_fallback_must_be_a_default_image_that_ships(
    storage: DictStorage, repository: MemoryRepository, fallback: str
) -> None:
    """A policy whose fallback the core could not serve is refused when the service is made."""
    policies = {**DEFAULT_POLICIES}
    policies[Slot.COVER] = attrs.evolve(policies[Slot.COVER], fallback=fallback)
    with pytest.raises(ValueError, match="not one of the default images"):
        ImageSlots(storage=storage, repository=repository, codec=FakeCodec(), policies=policies)


def test_a_pixel_limit_the_codec_cannot_reach_is_refused(
    storage: DictStorage, repository: MemoryRepository
) -> None:
    """The limits the service publishes must hold: none above what its codec decodes."""
    codec = FakeCodec()
    within = ImageLimits(max_pixels=codec.max_pixels)
    assert ImageSlots(storage, repository, codec, limits=within).limits == within
    with pytest.raises(ValueError, match="the codec decodes images of at most"):
        ImageSlots(storage, repository, codec, limits=ImageLimits(max_pixels=codec.max_pixels + 1))
