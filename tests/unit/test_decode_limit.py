"""The one limit on concurrent decodes: a slot held by each decode while it runs, and only then."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from imagecore import Box, EncodedImage, ImageLimits, ImageSlots, Slot
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.cancellation import cancelled_by
from imagecore.decode_limit import SlottedCodec, ThreadSlots, holding
from imagecore.errors import Abandoned
from tests.fakes import DictStorage, FakeCodec, image_bytes

BOX = Box(10, 10)


class Watching(FakeCodec):
    """Notes, at each decode, whether a slot of ``slots`` was free."""

    def __init__(self, slots: ThreadSlots) -> None:
        super().__init__()
        self.slots = slots
        self.free_while_decoding: list[bool] = []

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        release = self.slots.try_take()
        self.free_while_decoding.append(release is not None)
        if release is not None:
            release()
        return super().encode(data, box, limits)


class SlotWatchingStorage(DictStorage):
    """Notes, at each write, whether a slot of ``slots`` was free."""

    def __init__(self, slots: ThreadSlots) -> None:
        super().__init__()
        self.slots = slots
        self.free_while_writing: list[bool] = []

    def write(self, key: str, data: bytes) -> None:
        release = self.slots.try_take()
        self.free_while_writing.append(release is not None)
        if release is not None:
            release()
        super().write(key, data)


def test_an_upload_holds_its_slot_while_it_decodes_and_not_while_it_writes() -> None:
    slots = ThreadSlots(1)
    codec = Watching(slots)
    storage = SlotWatchingStorage(slots)
    service = ImageSlots(storage, MemoryRepository(), SlottedCodec(codec, slots))
    service.upload("ann", {Slot.PROFILE: image_bytes(), Slot.COVER: image_bytes()})
    assert codec.free_while_decoding == [False, False]
    assert storage.free_while_writing and all(storage.free_while_writing)
    assert slots.try_take() is not None, "given back after the upload"


def test_a_handed_slot_is_the_first_decode_s_and_freed_when_it_ends() -> None:
    """A caller that waited for the slot elsewhere hands it over: the decode does not wait for a
    second one (with one slot, it would wait for ever), and gives it back when done."""
    slots = ThreadSlots(1)
    codec = SlottedCodec(Watching(slots), slots)
    release = slots.try_take()
    assert release is not None
    with ThreadPoolExecutor(1) as thread:

        def decode_with_it() -> bool:
            with holding(release):
                codec.encode(image_bytes(), BOX, ImageLimits())
                # Freed by the decode's end, before the block's.
                after = slots.try_take()
                if after is not None:
                    after()
                return after is not None

        assert thread.submit(decode_with_it).result(timeout=10)
    assert codec.codec.free_while_decoding == [False]  # type: ignore[attr-defined]


def test_a_handed_slot_no_decode_used_is_freed_when_the_block_ends() -> None:
    slots = ThreadSlots(1)
    release = slots.try_take()
    assert release is not None
    with holding(release):
        assert slots.try_take() is None
    assert slots.try_take() is not None


def test_a_decode_waits_for_a_slot_and_says_so_once() -> None:
    slots = ThreadSlots(1)
    held = slots.try_take()
    assert held is not None
    waits: list[None] = []
    codec = SlottedCodec(FakeCodec(), slots, waiting=lambda: waits.append(None), poll=0.01)
    with ThreadPoolExecutor(1) as thread:
        decoding = thread.submit(codec.encode, image_bytes(), BOX, ImageLimits())
        threading.Event().wait(0.1)
        assert not decoding.done()
        held()
        assert decoding.result(timeout=10).width == 10
    assert waits == [None]


def test_a_decode_waiting_for_a_slot_stops_when_its_caller_leaves() -> None:
    slots = ThreadSlots(1)
    held = slots.try_take()
    assert held is not None
    codec = SlottedCodec(FakeCodec(), slots, poll=0.01)
    gone = threading.Event()
    gone.set()
    with cancelled_by(gone), pytest.raises(Abandoned):
        codec.encode(image_bytes(), BOX, ImageLimits())
    held()


def test_a_slot_given_back_twice_is_given_back_once() -> None:
    slots = ThreadSlots(1)
    release = slots.try_take()
    assert release is not None
    release()
    release()  # a BoundedSemaphore would raise: the slot was counted back once only
    assert slots.try_take() is not None
    assert slots.try_take() is None


def test_no_slot_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ThreadSlots(0)
