"""The upload gate on its own: who gets a decode slot, when it is freed, and what waits.

Real threads and a real event loop; the slots are the in-process kind, and the client never
leaves (the disconnect path is tested over a real server, in tests/e2e).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import threading
from collections.abc import Callable

import pytest

from imagecore.adapters.web.admission import UploadGate
from imagecore.decode_limit import ThreadSlots
from imagecore.errors import Abandoned, Busy
from tests.loops import run_alone as run

_users = itertools.count()


def upload(gate: UploadGate, work: Callable[[], None], user: str = "") -> asyncio.Future[None]:
    """An upload's run through the gate, started now, by ``user`` (by default, a new one)."""
    user = user or f"user {next(_users)}"
    return asyncio.ensure_future(gate.run(work, user))


def test_waiting_uploads_take_the_slot_in_the_order_they_came() -> None:
    async def scenario() -> list[int]:
        slots = ThreadSlots(1)
        held = slots.try_take()
        assert held is not None
        gate = UploadGate(slots, wait=30)
        order: list[int] = []
        tasks = []
        for n in range(6):
            tasks.append(upload(gate, functools.partial(order.append, n)))
            await asyncio.sleep(0.05)  # each is queued before the next comes
        held()
        await asyncio.gather(*tasks)
        gate.close()
        return order

    assert run(scenario()) == [0, 1, 2, 3, 4, 5]


def test_a_full_queue_answers_at_once() -> None:
    """With every slot held and max_waiting uploads waiting, the next is refused at once, long
    before its wait would end, and the others still wait."""

    async def scenario() -> None:
        slots = ThreadSlots(1)
        held = slots.try_take()
        assert held is not None
        gate = UploadGate(slots, wait=3600, max_waiting=3)
        waiting = [upload(gate, lambda: None) for _ in range(3)]
        await asyncio.sleep(0.05)
        with pytest.raises(Busy):
            await upload(gate, lambda: None)
        assert not any(task.done() for task in waiting)
        held()
        await asyncio.gather(*waiting)
        gate.close()

    run(scenario())


def test_a_slot_is_the_thread_s_until_its_work_ends() -> None:
    """A request cancelled while its work runs (a server stopping) is answered as abandoned, a
    503 the client may retry, and leaves the slot taken until the work itself has ended."""

    async def scenario() -> None:
        slots = ThreadSlots(1)
        gate = UploadGate(slots)
        started, finish = threading.Event(), threading.Event()

        def work() -> None:
            started.set()
            finish.wait(10)

        task = upload(gate, work)
        await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(Abandoned):
            await task
        assert slots.try_take() is None  # still the running work's
        finish.set()
        for _ in range(100):
            release = slots.try_take()
            if release is not None:
                break
            await asyncio.sleep(0.02)
        assert release is not None
        gate.close()

    run(scenario())


def test_an_upload_after_shutdown_is_abandoned_and_frees_its_slot() -> None:
    async def scenario() -> None:
        slots = ThreadSlots(1)
        gate = UploadGate(slots)
        gate.close()
        with pytest.raises(Abandoned):
            await upload(gate, lambda: None)
        assert slots.try_take() is not None

    run(scenario())


class Blocked:
    """Work that runs until it is let go, and says when it started."""

    def __init__(self) -> None:
        self.started, self.go = threading.Event(), threading.Event()

    def __call__(self) -> None:
        self.started.set()
        self.go.wait(10)


async def started(*works: Blocked) -> None:
    for work in works:
        assert await asyncio.to_thread(work.started.wait, 10)


def test_one_user_decodes_one_upload_at_a_time_and_others_take_the_free_slot() -> None:
    """Two slots, one user's uploads that would each hold a slot for long (files that run to
    their budget): the second waits behind the first, so another user's upload, coming later,
    takes the other slot at once."""

    async def scenario() -> None:
        gate = UploadGate(ThreadSlots(2), wait=3600)
        first, second, other = Blocked(), Blocked(), Blocked()
        bombs = [upload(gate, first, "bomber"), upload(gate, second, "bomber")]
        await started(first)
        later = upload(gate, other, "someone else")
        await started(other)
        assert not second.started.is_set()
        other.go.set()
        await later
        first.go.set()
        await started(second)
        second.go.set()
        await asyncio.gather(*bombs)
        gate.close()

    run(scenario())


def test_a_waiting_upload_whose_user_decodes_already_lets_the_next_user_pass() -> None:
    async def scenario() -> None:
        slots = ThreadSlots(2)
        held = slots.try_take()
        assert held is not None
        gate = UploadGate(slots, wait=3600)
        first, second = Blocked(), Blocked()
        mine = [upload(gate, first, "bomber")]
        await started(first)
        held()
        held = slots.try_take()  # the slot is taken again before the queue can use it
        assert held is not None
        mine.append(upload(gate, second, "bomber"))
        await asyncio.sleep(0.05)
        order: list[str] = []
        theirs = upload(gate, functools.partial(order.append, "theirs"), "someone else")
        await asyncio.sleep(0.05)
        held()  # one slot free: the first in the queue whose user decodes nothing takes it
        await theirs
        assert order == ["theirs"] and not second.started.is_set()
        first.go.set()
        second.go.set()
        await asyncio.gather(*mine)
        gate.close()

    run(scenario())


def test_a_user_may_have_only_so_many_uploads_in_the_gate() -> None:
    async def scenario() -> None:
        gate = UploadGate(ThreadSlots(2), wait=3600, per_user=2)
        first, second = Blocked(), Blocked()
        mine = [upload(gate, first, "bomber"), upload(gate, second, "bomber")]
        await started(first)
        with pytest.raises(Busy) as refused:
            await upload(gate, lambda: None, "bomber")
        assert refused.value.short_of == "turn"
        await upload(gate, lambda: None, "someone else")
        first.go.set()
        second.go.set()
        await asyncio.gather(*mine)
        await upload(gate, lambda: None, "bomber")  # their uploads done, they may send more
        gate.close()

    run(scenario())


def test_a_blocking_host_s_upload_waits_its_turn_on_its_own_thread() -> None:
    """run_blocking: with the one slot taken, an upload waits on its request's thread, and runs
    there holding the slot once it is freed; past the wait, it is refused Busy and leaves no
    trace in the queue."""
    slots = ThreadSlots(1)
    held = slots.try_take()
    assert held is not None
    gate = UploadGate(slots, wait=0.2)
    with pytest.raises(Busy):
        gate.run_blocking(lambda: None, "alice")
    threads: list[str] = []
    timer = threading.Timer(0.1, held)
    timer.start()
    gate.wait = 30
    gate.run_blocking(lambda: threads.append(threading.current_thread().name), "alice")
    timer.join()
    assert threads == [threading.current_thread().name]
    assert slots.try_take() is not None  # given back once the work ended


def test_blocking_uploads_of_one_user_are_bounded_like_async_ones() -> None:
    """A user with per_user uploads in the gate is refused the next at once, whichever way
    they came in."""
    slots = ThreadSlots(1)
    gate = UploadGate(slots, wait=30, per_user=1)
    inside = threading.Event()
    leave = threading.Event()
    first = threading.Thread(
        target=gate.run_blocking, args=(lambda: (inside.set(), leave.wait(10)), "bob")
    )
    first.start()
    assert inside.wait(10)
    try:
        with pytest.raises(Busy) as refused:
            gate.run_blocking(lambda: None, "bob")
        assert refused.value.short_of == "turn"
    finally:
        leave.set()
        first.join()
