"""Rebuilding variants: new files, then the commit, then the old files go; what an upload does
meanwhile wins."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from imagecore import ImageSlots, Slot, UserImages
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.audit import AuditRecord
from imagecore.housekeeping import Housekeeping, RebuildReport
from tests.fakes import Counter, DictStorage, FakeCodec, image_bytes, policies_with


def service(
    codec: FakeCodec, repository: MemoryRepository | None = None
) -> tuple[ImageSlots, DictStorage]:
    storage = DictStorage()
    slots = ImageSlots(storage, repository or MemoryRepository(), codec, unique=Counter())
    return slots, storage


def rebuilt_as_avif(slots: ImageSlots) -> RebuildReport:
    """The rebuild after the variants' format changed to AVIF."""
    as_avif = attrs.evolve(slots, policies=policies_with("image/avif"))
    return Housekeeping(as_avif).rebuild_variants()


def test_a_rebuild_keeps_the_image_and_its_description() -> None:
    codec = FakeCodec()
    slots, storage = service(codec)
    before = slots.upload("ann", {Slot.PROFILE: image_bytes()}, {Slot.PROFILE: "Ann"})
    report = rebuilt_as_avif(slots)
    assert (report.users, report.images, report.rebuilt, report.current) == (1, 1, 1, 0)
    after = slots.current("ann").profile_image
    assert before.profile_image is not None and after is not None
    assert (after.key, after.alt) == (before.profile_image.key, "Ann")
    assert [v.key.rpartition("_")[2] for v in after.variants] == [
        "w48.avif",
        "w96.avif",
        "w192.avif",
        "w384.avif",
    ]
    # New names: a variant's name never changes its bytes.
    assert not set(after.keys[1:]) & set(before.profile_image.keys)
    assert set(storage.files) == set(after.keys)


def test_a_rebuild_with_nothing_to_change_decodes_and_writes_nothing() -> None:
    codec = FakeCodec()
    slots, storage = service(codec)
    slots.upload("ann", {Slot.PROFILE: image_bytes(), Slot.COVER: image_bytes()})
    written, decoded = list(storage.written), len(codec.calls)
    report = Housekeeping(slots).rebuild_variants()
    assert (report.images, report.rebuilt, report.current) == (2, 0, 2)
    assert storage.written == written and len(codec.calls) == decoded


def test_an_image_stored_before_variants_gets_them() -> None:
    slots, storage = service(FakeCodec())
    uploaded = slots.upload("ann", {Slot.COVER: image_bytes()}).cover_image
    assert uploaded is not None
    bare = attrs.evolve(uploaded, variants=(), placeholder=None)
    current = slots.current("ann")
    slots.repository.save("ann", current.with_image(Slot.COVER, bare))
    for key in uploaded.keys[1:]:
        storage.delete(key)
    assert Housekeeping(slots).rebuild_variants().rebuilt == 1
    image = slots.current("ann").cover_image
    assert image is not None and image.placeholder is not None
    assert [v.width for v in image.variants] == [640, 1280, 1920]
    assert set(storage.files) == set(image.keys)


class UploadDuringCommit(MemoryRepository):
    """Runs ``meanwhile`` once, just before the first save it is asked for after ``arm``."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: Callable[[], object] | None = None

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return super().save(user_id, images, records)


def test_an_upload_during_a_rebuild_wins_and_the_rebuilt_files_go() -> None:
    codec, repository = FakeCodec(), UploadDuringCommit()
    slots, storage = service(codec, repository)
    slots.upload("ann", {Slot.PROFILE: image_bytes("old")})
    repository.meanwhile = lambda: slots.upload("ann", {Slot.PROFILE: image_bytes("new")})
    report = rebuilt_as_avif(slots)
    assert (report.images, report.rebuilt) == (1, 0)
    image = slots.current("ann").profile_image
    assert image is not None and storage.read(image.key) == b"PNG:new"
    assert set(storage.files) == set(image.keys)


def test_a_description_changed_during_a_rebuild_is_kept() -> None:
    repository = UploadDuringCommit()
    slots, storage = service(FakeCodec(), repository)
    slots.upload("ann", {Slot.PROFILE: image_bytes()}, {Slot.PROFILE: "old words"})
    repository.meanwhile = lambda: slots.describe("ann", {Slot.PROFILE: "new words"})
    report = rebuilt_as_avif(slots)
    assert report.rebuilt == 1
    image = slots.current("ann").profile_image
    assert image is not None and image.alt == "new words"
    assert {v.media_type for v in image.variants} == {"image/avif"}
    assert set(storage.files) == set(image.keys)


def test_a_delete_during_a_rebuild_stays_deleted_and_nothing_is_left() -> None:
    repository = UploadDuringCommit()
    slots, storage = service(FakeCodec(), repository)
    slots.upload("ann", {Slot.COVER: image_bytes()})
    version = slots.current("ann").version
    repository.meanwhile = lambda: slots.delete("ann", Slot.COVER)
    report = rebuilt_as_avif(slots)
    assert (report.images, report.rebuilt, report.current) == (1, 0, 0)
    assert slots.current("ann").cover_image is None
    assert slots.current("ann").version == version + 1  # the delete's commit, and no other
    assert storage.files == {}


def test_an_image_deleted_before_its_file_is_read_is_skipped_not_failed() -> None:
    """Between reading the user's images and reading the file, the user deleted the image."""
    codec = FakeCodec()
    slots, storage = service(codec)
    slots.upload("ann", {Slot.COVER: image_bytes()})
    original_read = storage.read

    def read(key: str) -> bytes:
        slots.delete("ann", Slot.COVER)
        return original_read(key)

    storage.read = read  # type: ignore[method-assign]
    report = rebuilt_as_avif(slots)
    assert report.failed == () and report.rebuilt == 0
    assert storage.files == {}


def test_a_file_missing_while_referenced_fails_that_user_only() -> None:
    slots, storage = service(FakeCodec())
    lost = slots.upload("lost", {Slot.PROFILE: image_bytes()}).profile_image
    slots.upload("fine", {Slot.PROFILE: image_bytes()})
    assert lost is not None
    storage.delete(lost.key)
    report = rebuilt_as_avif(slots)
    assert [user for user, _ in report.failed] == ["lost"]
    assert (report.users, report.images, report.rebuilt) == (2, 1, 1)
    assert slots.current("lost").profile_image == lost
