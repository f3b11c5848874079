"""Random sequences of uploads, replaces, deletes, rebuilds of variants after a settings change,
faults, crashes and sweeps keep the promises.

The promises: each slot shows its last committed upload or its fallback, and what it shows can be
served; no reference ever points at a missing file; storage holds exactly what is referenced,
except for orphans that a failed clean-up or a crash left behind, which a sweep removes; nothing
is written outside the slot folders; the audit log tells each slot's story whole, each record
taking up where the one before left off and the last one ending where the slot is now.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule

from imagecore import BackendError, DefaultImage, ImageRejected, ImageSlots, Slot, StoredImage
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.audit import Actor
from imagecore.errors import SlotEmpty
from imagecore.housekeeping import Housekeeping
from imagecore.policies import DEFAULT_POLICIES, VARIANT_TYPES
from tests import strategies
from tests.fakes import Counter, DictStorage, FakeCodec, image_bytes, policies_with
from tests.faults import Crash, FaultPlan, FaultyRepository, FaultyStorage, Mode

MODERATOR = Actor.moderator("mo")
SLOT_FOLDERS = tuple(policy.folder for policy in DEFAULT_POLICIES.values())
steps = st.integers(min_value=1, max_value=5)
modes = st.sampled_from(list(Mode))


class ImageSlotsMachine(RuleBasedStateMachine):
    """A model of what each user's slots hold, checked against the service after every step."""

    users = Bundle("users")

    def __init__(self) -> None:
        super().__init__()
        self.storage = DictStorage()
        self.repository = MemoryRepository()
        self.plan = FaultPlan()
        unique = Counter()
        self.slots = ImageSlots(self.storage, self.repository, FakeCodec(), unique=unique)
        # The same service as a process that meets faults and crashes would run it.
        self.faulty = ImageSlots(
            FaultyStorage(self.storage, self.plan),
            FaultyRepository(self.repository, self.plan),
            FakeCodec(),
            unique=unique,
        )
        # What each (user, slot) was last given: the bytes of the upload, or None.
        self.model: dict[tuple[str, Slot], bytes | None] = {}
        self.known_users: set[str] = set()
        self.may_have_orphans = False
        self.uploads = 0

    @initialize(target=users, user_ids=st.lists(strategies.user_ids, min_size=1, max_size=4))
    def add_users(self, user_ids: list[str]) -> object:
        self.known_users.update(user_ids)
        return multiple(*user_ids)

    @rule(target=users, user=strategies.user_ids)
    def another_user_arrives(self, user: str) -> str:
        self.known_users.add(user)
        return user

    @rule(user=users, slots=strategies.slot_sets, payload=st.binary(max_size=8))
    def upload(self, user: str, slots: set[Slot], payload: bytes) -> None:
        files = {slot: image_bytes(payload.hex() + slot.value) for slot in slots}
        self.slots.upload(user, files)
        for slot in slots:
            self.model[user, slot] = files[slot]

    @rule(user=users, good=strategies.slots, bad=st.sampled_from([b"", b"%PDF-1.4", b"<svg/>"]))
    def upload_with_a_bad_file(self, user: str, good: Slot, bad: bytes) -> None:
        other = next(slot for slot in Slot if slot is not good)
        with pytest.raises(ImageRejected):
            self.slots.upload(user, {good: image_bytes("good"), other: bad})

    @rule(user=users, slot=strategies.slots)
    def delete(self, user: str, slot: Slot) -> None:
        if self.model.get((user, slot)) is None:
            with pytest.raises(SlotEmpty):
                self.slots.delete(user, slot)
        else:
            self.slots.delete(user, slot)
            self.model[user, slot] = None

    @rule(user=users, slot=strategies.slots)
    def take_down(self, user: str, slot: Slot) -> None:
        if self.model.get((user, slot)) is None:
            with pytest.raises(SlotEmpty):
                self.slots.take_down(user, slot, "abuse", MODERATOR)
        else:
            self.slots.take_down(user, slot, "abuse", MODERATOR)
            self.model[user, slot] = None

    @rule(
        user=users,
        slots=strategies.slot_sets,
        payload=st.binary(max_size=4),
        step=steps,
        mode=modes,
    )
    def upload_meets_a_fault(
        self, user: str, slots: set[Slot], payload: bytes, step: int, mode: Mode
    ) -> None:
        self.uploads += 1  # every upload's bytes differ, so that old and new can be told apart
        label = f"faulty{self.uploads}-{payload.hex()}"
        files = {slot: image_bytes(label + slot.value) for slot in slots}
        self._with_fault(step, mode, lambda: self.faulty.upload(user, files))
        outcomes = {self._outcome(user, slot, files[slot]) for slot in slots}
        assert len(outcomes) == 1, "a double upload must change both slots or neither"
        if outcomes == {"new"}:
            for slot in slots:
                self.model[user, slot] = files[slot]

    @rule(user=users, slot=strategies.slots, step=steps, mode=modes)
    def delete_meets_a_fault(self, user: str, slot: Slot, step: int, mode: Mode) -> None:
        self._with_fault(step, mode, lambda: self.faulty.delete(user, slot))
        if self.slots.current(user).get(slot) is None:
            self.model[user, slot] = None

    @rule(user=users, slot=strategies.slots, step=steps, mode=modes)
    def take_down_meets_a_fault(self, user: str, slot: Slot, step: int, mode: Mode) -> None:
        self._with_fault(step, mode, lambda: self.faulty.take_down(user, slot, "spam", MODERATOR))
        if self.slots.current(user).get(slot) is None:
            self.model[user, slot] = None

    @rule(user=users, slot=strategies.slots, step=steps, mode=modes)
    def describe_meets_a_fault(self, user: str, slot: Slot, step: int, mode: Mode) -> None:
        """A description change is all or nothing, and never touches the picture it describes."""
        before = self.slots.current(user).get(slot)
        self.uploads += 1
        words = f"description {self.uploads}"
        self._with_fault(step, mode, lambda: self.faulty.describe(user, {slot: words}))
        after = self.slots.current(user).get(slot)
        if before is None:
            assert after is None
        else:
            assert after is not None and after.alt in (before.alt, words)
            assert attrs.evolve(after, alt=before.alt) == before

    @rule(variant_type=st.sampled_from(sorted(VARIANT_TYPES)))
    def the_variant_format_changes(self, variant_type: str) -> None:
        policies = policies_with(variant_type)
        self.slots = attrs.evolve(self.slots, policies=policies)
        self.faulty = attrs.evolve(self.faulty, policies=policies)

    @rule()
    def rebuild(self) -> None:
        """A rebuild gives every image variants in today's format; the images stay."""
        report = Housekeeping(self.slots).rebuild_variants()
        assert report.failed == ()
        for user in self.known_users:
            for slot in Slot:
                image = self.slots.current(user).get(slot)
                if image is not None:
                    wanted = self.slots.policies[slot].box.variant_type
                    assert image.variants and {v.media_type for v in image.variants} == {wanted}
        again = Housekeeping(self.slots).rebuild_variants()
        assert again.rebuilt == 0, "a second run finds nothing to do"

    @rule(step=st.integers(min_value=1, max_value=16), mode=modes)
    def rebuild_meets_a_fault(self, step: int, mode: Mode) -> None:
        self._with_fault(step, mode, Housekeeping(self.faulty).rebuild_variants)

    @rule()
    def sweep(self) -> None:
        Housekeeping(self.slots).sweep(min_age=0, allow_empty_repository=True)
        assert self._stored() == self._referenced()
        self.may_have_orphans = False

    def _with_fault(self, step: int, mode: Mode, action: object) -> None:
        orphans_before = self._stored() - self._referenced()
        self.plan.calls.clear()
        self.plan.fail_on, self.plan.mode, self.plan.failed = step, mode, None
        try:
            action()  # type: ignore[operator]
        except (BackendError, SlotEmpty, Crash):
            pass
        finally:
            crashed, failed = self.plan.crashed, self.plan.failed
            self.plan.fail_on, self.plan.crashed = None, False
        if crashed or (failed == "storage.delete" and mode is Mode.BEFORE):
            self.may_have_orphans = True  # nobody could clean up: the sweep's job
        else:
            new_orphans = self._stored() - self._referenced() - orphans_before
            assert new_orphans == set(), f"orphan after {failed} failed {mode.value}"

    def _outcome(self, user: str, slot: Slot, sent: bytes) -> str:
        image = self.slots.current(user).get(slot)
        shows = None if image is None else self.storage.read(image.key)
        before = self.model.get((user, slot))
        if shows == b"PNG:" + sent[4:]:
            return "new"
        assert shows == (None if before is None else b"PNG:" + before[4:])
        return "old"

    @invariant()
    def each_slot_shows_the_last_upload_or_its_fallback(self) -> None:
        for user in self.known_users:
            shown = self.slots.shown(self.slots.current(user))
            assert set(shown) == set(Slot)
            for slot, image in shown.items():
                expected = self.model.get((user, slot))
                if expected is None:
                    fallback = DEFAULT_POLICIES[slot].fallback
                    assert image == (DefaultImage(fallback) if fallback else None)
                else:
                    assert isinstance(image, StoredImage)
                    assert self.slots.media(image.key).read() == b"PNG:" + expected[4:]
                if image is not None:
                    assert self.slots.media(image.key).immutable is isinstance(image, StoredImage)

    @invariant()
    def the_audit_log_tells_each_slot_s_story_whole(self) -> None:
        for user in self.known_users:
            history = self.repository.audit_log.history(user)
            for slot in Slot:
                key = None
                for record in (r for r in history if r.slot is slot):
                    assert record.before_key == key, f"{record.action.value} after a gap"
                    key = record.after_key
                image = self.slots.current(user).get(slot)
                assert key == (image.key if image else None)

    @invariant()
    def no_reference_points_at_a_missing_file(self) -> None:
        assert self._referenced() <= self._stored()

    @invariant()
    def storage_holds_exactly_what_is_referenced_but_for_known_orphans(self) -> None:
        if not self.may_have_orphans:
            assert self._stored() == self._referenced()

    @invariant()
    def nothing_is_written_outside_the_slot_folders(self) -> None:
        for key in self.storage.written:
            folder, _, name = key.rpartition("/")
            assert folder + "/" in SLOT_FOLDERS
            assert "/" not in name and ".." not in name and "\x00" not in name

    def _referenced(self) -> set[str]:
        return set(self.repository.references())

    def _stored(self) -> set[str]:
        return set(self.storage.files)


ImageSlotsMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None
)
TestImageSlots = ImageSlotsMachine.TestCase
