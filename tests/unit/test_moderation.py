"""Moderation's rules on fakes: what a report may be, what a takedown does and in which order,
what the audit log records, and the hash lists moderators trade."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import attrs
import pytest

from imagecore import ImageSlots, Slot, UserImages
from imagecore.adapters.memory_repository import (
    MemoryAuditLog,
    MemoryBlocklist,
    MemoryRateCounter,
    MemoryReports,
    MemoryRepository,
)
from imagecore.audit import Action, Actor, records_of
from imagecore.blocking import BlockedPicture
from imagecore.errors import RateLimited, SlotEmpty
from imagecore.model import Fingerprint, Variant
from imagecore.moderation import Moderation, hash_list, parse_hash_list
from imagecore.moderation_errors import (
    AlreadyReported,
    ImageReplaced,
    InvalidModeration,
    NoOpenReports,
    OwnImage,
)
from imagecore.testing.repository import COVER, PROFILE
from imagecore.throttle import Limit, Throttle
from tests.fakes import DictStorage, FakeCodec, image_bytes

NOW = datetime(2026, 12, 1, tzinfo=UTC)
MO = Actor.moderator("mo")
VARIANT = Variant("resume/images/profile_7_1_w320.webp", "image/webp", 320, 320, 999)
REBUILT = attrs.evolve(PROFILE, variants=(VARIANT,))
PRINT = Fingerprint(
    "ee" * 32, "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22", 90
)


@pytest.fixture
def moderation() -> Moderation:
    log = MemoryAuditLog()
    slots = ImageSlots(
        DictStorage(),
        MemoryRepository(log),
        FakeCodec(),
        blocklist=MemoryBlocklist(audit_log=log),
        clock=lambda: NOW,
    )
    counter = Throttle(MemoryRateCounter())
    return Moderation(slots, MemoryReports(log), log, counter, Limit(3, 3600))


def with_photo(moderation: Moderation, user: str = "mallory") -> None:
    moderation.slots.upload(user, {Slot.PROFILE: image_bytes(user)})


@pytest.mark.parametrize(
    ("before", "after", "action"),
    [
        (UserImages(), UserImages(PROFILE), Action.UPLOAD),
        (UserImages(PROFILE), UserImages(attrs.evolve(PROFILE, key="k2")), Action.REPLACE),
        (UserImages(PROFILE), UserImages(), Action.DELETE),
        (UserImages(PROFILE), UserImages(attrs.evolve(PROFILE, alt="a bridge")), Action.DESCRIBE),
        (
            UserImages(PROFILE),
            UserImages(REBUILT),
            Action.REBUILD,
        ),
    ],
)
def test_a_record_says_what_happened_to_the_slot(
    before: UserImages, after: UserImages, action: Action
) -> None:
    before = attrs.evolve(before, cover_image=COVER)
    after = attrs.evolve(after, cover_image=COVER)
    (record,) = records_of(before, after, user_id="ann", actor=MO, at=NOW)
    assert (record.action, record.slot, record.user_id) == (action, Slot.PROFILE, "ann")
    assert record.before_key == (before.profile_image.key if before.profile_image else None)
    assert record.after_key == (after.profile_image.key if after.profile_image else None)


def test_a_report_names_the_shown_image_and_is_recorded(moderation: Moderation) -> None:
    with_photo(moderation)
    report = moderation.report("bob", "mallory", Slot.PROFILE, "impersonation", "  not her ")
    image = moderation.slots.current("mallory").profile_image
    assert image is not None and report.key == image.key and report.note == "not her"
    (queued,) = moderation.queue()
    assert queued.reports == (report,)
    record = moderation.history("mallory")[-1]
    assert (record.action, record.actor, record.detail) == (
        Action.REPORT,
        Actor.user("bob"),
        "impersonation: not her",
    )


@pytest.mark.parametrize(
    ("reporter", "owner", "slot", "reason", "note", "error"),
    [
        ("mallory", "mallory", Slot.PROFILE, "spam", "", OwnImage),
        ("bob", "mallory", Slot.COVER, "spam", "", SlotEmpty),
        ("bob", "nobody", Slot.PROFILE, "spam", "", SlotEmpty),
        ("bob", "mallory", Slot.PROFILE, "ugly", "", InvalidModeration),
        ("bob", "mallory", Slot.PROFILE, "other", "x" * 501, InvalidModeration),
    ],
)
def test_a_report_that_cannot_be_taken_changes_nothing(
    moderation: Moderation,
    reporter: str,
    owner: str,
    slot: Slot,
    reason: str,
    note: str,
    error: type[Exception],
) -> None:
    with_photo(moderation)
    with pytest.raises(error):
        moderation.report(reporter, owner, slot, reason, note)
    assert moderation.queue() == []
    assert [r.action for r in moderation.history(owner)] in ([], [Action.UPLOAD])


def test_a_second_open_report_is_refused_and_costs_no_quota(moderation: Moderation) -> None:
    for owner in ("a", "b", "c"):
        with_photo(moderation, owner)
    moderation.report("bob", "a", Slot.PROFILE, "spam")
    for _ in range(3):
        with pytest.raises(AlreadyReported):
            moderation.report("bob", "a", Slot.PROFILE, "spam")
    moderation.report("bob", "b", Slot.PROFILE, "spam")
    moderation.report("bob", "c", Slot.PROFILE, "spam")  # the third of three an hour
    with_photo(moderation, "d")
    with pytest.raises(RateLimited):
        moderation.report("bob", "d", Slot.PROFILE, "spam")


def test_a_takedown_blocks_then_empties_then_closes_the_reports(moderation: Moderation) -> None:
    slots = attrs.evolve(moderation.slots, codec=FingerprintingCodec())
    moderation = attrs.evolve(moderation, slots=slots)
    with_photo(moderation)
    moderation.report("bob", "mallory", Slot.PROFILE, "abuse")
    image = moderation.take_down("mallory", Slot.PROFILE, " abuse ", MO)
    assert slots.current("mallory").profile_image is None
    assert all(not slots.storage.exists(key) for key in image.keys)
    assert moderation.queue() == []
    assert slots.blocklist is not None
    assert list(slots.blocklist.entries()) == [BlockedPicture.taken_down(PRINT, "abuse")]
    actions = [(r.action, r.actor) for r in moderation.history("mallory")]
    assert actions[-2:] == [(Action.BLOCK, MO), (Action.TAKEDOWN, MO)]
    with pytest.raises(SlotEmpty):
        moderation.take_down("mallory", Slot.PROFILE, "abuse", MO)


def test_a_takedown_needs_a_reason(moderation: Moderation) -> None:
    with_photo(moderation)
    with pytest.raises(InvalidModeration):
        moderation.take_down("mallory", Slot.PROFILE, "  ", MO)
    assert moderation.slots.current("mallory").profile_image is not None


def test_a_takedown_leaves_alone_an_image_put_there_since(moderation: Moderation) -> None:
    """What the moderator saw is what goes: after a replace, a takedown naming the image seen
    is refused, and nothing is blocked or removed."""
    slots = attrs.evolve(moderation.slots, codec=FingerprintingCodec())
    moderation = attrs.evolve(moderation, slots=slots)
    with_photo(moderation)
    seen = slots.current("mallory").profile_image
    slots.upload("mallory", {Slot.PROFILE: image_bytes("another")})
    now = slots.current("mallory").profile_image
    assert seen is not None and now is not None
    with pytest.raises(ImageReplaced):
        moderation.take_down("mallory", Slot.PROFILE, "abuse", MO, key=seen.key)
    assert slots.current("mallory").profile_image == now
    assert slots.blocklist is not None and list(slots.blocklist.entries()) == []
    moderation.take_down("mallory", Slot.PROFILE, "abuse", MO, key=now.key)
    assert slots.current("mallory").profile_image is None


def test_dismissing_closes_the_reports_and_records_it(moderation: Moderation) -> None:
    with_photo(moderation)
    with pytest.raises(NoOpenReports):
        moderation.dismiss("mallory", Slot.PROFILE, MO)
    moderation.report("bob", "mallory", Slot.PROFILE, "spam")
    moderation.report("cy", "mallory", Slot.PROFILE, "spam")
    assert moderation.dismiss("mallory", Slot.PROFILE, MO, "a photo of a bridge") == 2
    assert moderation.queue() == []
    record = moderation.history("mallory")[-1]
    assert (record.action, record.detail) == (Action.DISMISS, "a photo of a bridge")


def test_hash_lists_round_trip_and_refuse_what_is_no_hash() -> None:
    entries = [
        BlockedPicture("aa" * 32, "1" * 64, crops=("2" * 64,)),
        BlockedPicture(exact="bb" * 32),  # exact alone: nothing to share
        BlockedPicture(pdq="3" * 64),
    ]
    text = hash_list(entries)
    assert text == f"{'1' * 64}\n{'2' * 64}\n{'3' * 64}\n"
    assert [e.pdq for e in parse_hash_list(text)] == ["1" * 64, "2" * 64, "3" * 64]
    assert parse_hash_list(f"# comment\n\n{'A' * 64},87\n")[0].pdq == "a" * 64
    with pytest.raises(InvalidModeration, match="line 2"):
        parse_hash_list(f"{'1' * 64}\n{'1' * 63}\n")


class FingerprintingCodec(FakeCodec):
    """The fake codec, giving every picture the same fingerprint."""

    def encode(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return attrs.evolve(super().encode(*args, **kwargs), fingerprint=PRINT)  # type: ignore[arg-type]


class ReplacedOnSecondRead(MemoryRepository):
    """The owner replaces the image between the takedown's first read and its commit."""

    def __init__(self, log: MemoryAuditLog) -> None:
        super().__init__(log)
        self.reads = 0
        self.replace: Callable[[], object] | None = None

    def get(self, user_id: str) -> UserImages:
        self.reads += 1
        if self.reads == 2 and self.replace is not None:
            self.replace()
        return super().get(user_id)


def test_a_takedown_that_meets_a_replace_at_its_commit_unblocks_again() -> None:
    """Nothing taken down, so nothing kept blocked: the block it added is taken back, and the
    log says both."""
    log = MemoryAuditLog()
    repository = ReplacedOnSecondRead(log)
    slots = ImageSlots(
        DictStorage(), repository, FingerprintingCodec(), blocklist=MemoryBlocklist(audit_log=log)
    )
    slots.upload("mallory", {Slot.PROFILE: image_bytes("first")})
    plain = attrs.evolve(slots, codec=FakeCodec())
    repository.reads = 0
    repository.replace = lambda: plain.upload("mallory", {Slot.PROFILE: image_bytes("second")})
    with pytest.raises(ImageReplaced):
        slots.take_down("mallory", Slot.PROFILE, "abuse", MO)
    assert slots.blocklist is not None and list(slots.blocklist.entries()) == []
    assert slots.current("mallory").profile_image is not None
    actions = [r.action for r in log.history("mallory")]
    assert actions == [Action.UPLOAD, Action.BLOCK, Action.REPLACE, Action.UNBLOCK]
