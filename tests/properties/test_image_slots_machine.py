"""Random sequences of uploads, replaces, deletes and looks keep the product's promises."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from adapters.memory_repository import MemoryRepository
from imagecore import (
    DEFAULTS_FOLDER,
    DefaultImage,
    ImageRejected,
    ImageSlots,
    Slot,
    SlotEmpty,
    StoredImage,
)
from tests import strategies
from tests.fakes import Counter, DictStorage, FakeCodec, image_bytes

SLOT_FOLDERS = tuple(slot.policy.folder for slot in Slot)


class ImageSlotsMachine(RuleBasedStateMachine):
    """A model of what each user's slots hold, checked against the service after every step."""

    users = Bundle("users")

    def __init__(self) -> None:
        super().__init__()
        self.storage = DictStorage()
        self.repository = MemoryRepository()
        self.slots = ImageSlots(self.storage, self.repository, FakeCodec(), unique=Counter())
        # What each (user, slot) was last given: the payload of the last upload, or None.
        self.model: dict[tuple[str, Slot], bytes | None] = {}
        self.known_users: set[str] = set()

    @initialize(target=users, user_ids=st.lists(strategies.user_ids, min_size=1, max_size=4))
    def add_users(self, user_ids: list[str]) -> object:
        self.known_users.update(user_ids)
        return multiple(*user_ids)

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

    @rule(target=users, user=strategies.user_ids)
    def another_user_arrives(self, user: str) -> str:
        self.known_users.add(user)
        return user

    @invariant()
    def each_slot_shows_the_last_upload_or_its_fallback(self) -> None:
        for user in self.known_users:
            images = self.slots.current(user)
            for slot in Slot:
                shown = images.shown(slot)
                expected = self.model.get((user, slot))
                if expected is None:
                    fallback = slot.policy.fallback
                    assert shown == (DefaultImage(fallback) if fallback else None)
                else:
                    assert isinstance(shown, StoredImage)
                    assert self.storage.read(shown.key) == b"PNG:" + expected[4:]

    @invariant()
    def storage_holds_exactly_what_is_referenced(self) -> None:
        referenced = set().union(*(self.slots.current(u).references() for u in self.known_users))
        stored = {key for key in self.storage.files if not key.startswith(DEFAULTS_FOLDER)}
        assert stored == referenced

    @invariant()
    def nothing_is_written_outside_the_slot_folders(self) -> None:
        for key in self.storage.written:
            folder, _, name = key.rpartition("/")
            assert folder + "/" in SLOT_FOLDERS
            assert "/" not in name and ".." not in name and "\x00" not in name


ImageSlotsMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None
)
TestImageSlots = ImageSlotsMachine.TestCase
