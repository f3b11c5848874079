"""The upload gate on its own: who gets a decode slot, when it is freed, and what waits.

Real threads and a real event loop; the slots are the in-process kind, the request a stand-in
whose client never leaves (the disconnect path is tested over a real server, in tests/e2e).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from imagecore.adapters.http.decoding import ThreadSlots, UploadGate
from imagecore.errors import Abandoned, Busy


class StayingClient:
    """A request whose client stays: its next message never comes."""

    async def receive(self) -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def run(coroutine: Any) -> Any:
    """The scenario on an event loop of its own, in a thread of its own: the test process may
    have a loop running in this thread already (a browser test's, say)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def upload(gate: UploadGate, work: Callable[[], None], size: int = 1000) -> asyncio.Future[None]:
    """An upload's run through the gate, started now."""
    return asyncio.ensure_future(gate.run(StayingClient(), work, size))  # type: ignore[arg-type]


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
    """A request cancelled while its work runs (a server stopping) leaves the slot taken until
    the work itself has ended."""

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
        with pytest.raises(asyncio.CancelledError):
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


def test_the_queue_holds_a_bounded_amount_of_files() -> None:
    """Uploads wait while the files they hold add up to waiting_bytes at most: a big one is
    refused where small ones would still wait; the first to wait is let in whatever its size."""

    async def scenario() -> None:
        slots = ThreadSlots(1)
        held = slots.try_take()
        assert held is not None
        gate = UploadGate(slots, wait=3600, waiting_bytes=100)
        alone = upload(gate, lambda: None, size=500)  # over the budget, but the only one
        await asyncio.sleep(0.05)
        with pytest.raises(Busy):
            await upload(gate, lambda: None, size=1)
        held()
        await alone
        held = slots.try_take()
        assert held is not None
        small = [upload(gate, lambda: None, size=40) for _ in range(2)]
        await asyncio.sleep(0.05)
        with pytest.raises(Busy):
            await upload(gate, lambda: None, size=30)  # 80 + 30 > 100
        also = upload(gate, lambda: None, size=20)  # 80 + 20 fits
        await asyncio.sleep(0.05)
        assert not any(task.done() for task in [*small, also])
        held()
        await asyncio.gather(*small, also)
        gate.close()

    run(scenario())
