"""Sweeping away unreferenced files, and auditing storage against the repository."""

from __future__ import annotations

import pytest

from imagecore import Box, ImageSlots, Slot, SlotPolicy, StoredFile
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.errors import SweepRefused
from imagecore.housekeeping import Housekeeping
from imagecore.rules import sweepable
from tests.fakes import Counter, DictStorage, FakeCodec, image_bytes

HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def storage(clock: Clock) -> DictStorage:
    return DictStorage(clock=clock)


@pytest.fixture
def slots(storage: DictStorage) -> ImageSlots:
    return ImageSlots(storage, MemoryRepository(), FakeCodec(), unique=Counter())


def test_only_old_unreferenced_files_are_sweepable() -> None:
    """Referenced files, and files younger than the minimum age, are never swept."""
    files = [
        StoredFile("a", 1, modified=0),
        StoredFile("b", 1, modified=0),
        StoredFile("c", 1, modified=HOUR * 2 - 10),
    ]
    assert sweepable(files, {"a"}, now=HOUR * 2, min_age=HOUR) == [files[1]]


def test_a_sweep_removes_orphans_and_keeps_images(
    slots: ImageSlots, storage: DictStorage, clock: Clock
) -> None:
    """Old orphans go, with their bytes counted; referenced files and young orphans stay."""
    image = slots.upload("alice", {Slot.PROFILE: image_bytes("a")}).profile_image
    storage.write("resume/images/profile_x_dead.png", b"12345")
    storage.write("resume/covers/.cover_x.png.tmp", b"123")
    clock.now += 2 * HOUR
    storage.write("resume/covers/cover_y_inflight.png", b"new")
    report = Housekeeping(slots).sweep(min_age=HOUR, now=clock.now)
    assert image is not None and len(image.keys) == 5  # the image and its 4 variants
    assert (report.seen, report.kept, report.removed, report.bytes_freed) == (8, 6, 2, 8)
    assert set(storage.files) == {*image.keys, "resume/covers/cover_y_inflight.png"}


def test_a_dry_run_removes_nothing(slots: ImageSlots, storage: DictStorage, clock: Clock) -> None:
    """--dry-run reports what a sweep would remove and leaves it in place."""
    slots.upload("alice", {Slot.COVER: image_bytes("c")})
    storage.write("resume/images/profile_x_dead.png", b"12345")
    clock.now += 2 * HOUR
    report = Housekeeping(slots).sweep(min_age=HOUR, dry_run=True, now=clock.now)
    assert (report.removed, report.bytes_freed, report.dry_run) == (1, 5, True)
    assert "resume/images/profile_x_dead.png" in storage.files


def test_defaults_are_never_swept(slots: ImageSlots, storage: DictStorage, clock: Clock) -> None:
    """The defaults folder belongs to no user and is not a slot folder: sweeps leave it alone."""
    storage.write("resume/defaults/profile.png", b"default")
    clock.now += 100 * HOUR
    assert Housekeeping(slots).sweep(min_age=0, now=clock.now).seen == 0
    assert "resume/defaults/profile.png" in storage.files


def test_a_sweep_and_an_audit_look_in_the_folders_of_the_service_s_policies(
    storage: DictStorage, clock: Clock
) -> None:
    """With policies of its own, a service sweeps and audits their folders and no other."""
    policies = {
        Slot.PROFILE: SlotPolicy("media/avatars/", "avatar", Box(64, 64)),
        Slot.COVER: SlotPolicy("media/banners/", "banner", Box(300, 100)),
    }
    slots = ImageSlots(storage, MemoryRepository(), FakeCodec(), policies, unique=Counter())
    image = slots.upload("alice", {Slot.PROFILE: image_bytes("a")}).profile_image
    storage.write("media/banners/banner_x_dead.png", b"123")
    storage.write("resume/images/profile_x_other.png", b"12345")
    assert image is not None
    orphans = Housekeeping(slots).audit().orphans
    assert [f.key for f in orphans] == ["media/banners/banner_x_dead.png"]
    clock.now += 2 * HOUR
    assert Housekeeping(slots).sweep(min_age=HOUR, now=clock.now).removed == 1
    assert set(storage.files) == {image.key, "resume/images/profile_x_other.png"}


def test_progress_is_reported_file_by_file(slots: ImageSlots, storage: DictStorage) -> None:
    """The progress callback sees every file, ending at (total, total)."""
    for n in range(5):
        storage.write(f"resume/images/profile_x_{n}.png", b"x")
    calls: list[tuple[int, int]] = []
    Housekeeping(slots).sweep(
        min_age=0,
        allow_empty_repository=True,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(n, 5) for n in range(1, 6)]


def test_a_sweep_that_would_remove_every_image_needs_to_be_told(
    slots: ImageSlots, storage: DictStorage
) -> None:
    """With files stored and no reference at all (a wrong database?), a sweep refuses."""
    storage.write("resume/images/profile_x_1.png", b"x")
    with pytest.raises(SweepRefused, match="references no image, yet 1 image files"):
        Housekeeping(slots).sweep(min_age=0)
    assert "resume/images/profile_x_1.png" in storage.files
    assert Housekeeping(slots).sweep(min_age=0, allow_empty_repository=True).removed == 1


def test_an_audit_finds_missing_files_and_orphans(slots: ImageSlots, storage: DictStorage) -> None:
    """A reference without a file and a file without a reference are both reported."""
    kept = slots.upload("alice", {Slot.PROFILE: image_bytes("a")}).profile_image
    lost = slots.upload("bob", {Slot.COVER: image_bytes("b")}).cover_image
    assert kept is not None and lost is not None
    assert Housekeeping(slots).audit().consistent
    del storage.files[lost.key]
    storage.write("resume/images/profile_x_orphan.png", b"o")
    report = Housekeeping(slots).audit()
    assert report.missing == (lost.key,)
    assert [f.key for f in report.orphans] == ["resume/images/profile_x_orphan.png"]
    assert not report.consistent
