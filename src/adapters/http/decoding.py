"""Uploads through a bounded number of decode slots, off the threads everything else uses.

An upload first takes a decode slot, waiting for one on the event loop (no thread held) for at
most ``wait`` seconds, else it is answered 503 with Retry-After. With a slot, it runs on a thread
of the uploads' own pool, so that media, GET and DELETE never queue behind decodes. While it
runs, the client's connection is watched: a client that leaves cancels its decode.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs
from litestar import Request

from imagecore.cancellation import cancelled_by
from imagecore.errors import Abandoned, Busy
from imagecore.ports import DecodeSlots

T = TypeVar("T")

#: How often an upload waiting for a slot looks again.
POLL_SECONDS = 0.02
#: The uploaded files the uploads waiting in one process may hold in all.
WAITING_BYTES = 160 * 2**20


class ThreadSlots:
    """``count`` decode slots within one process (the default when nothing shares them)."""

    def __init__(self, count: int = 2) -> None:
        self.count = count
        self._free = threading.BoundedSemaphore(count)

    def try_take(self) -> Callable[[], None] | None:
        return self._free.release if self._free.acquire(blocking=False) else None


@attrs.define
class UploadGate:
    """Admits uploads to ``slots`` in the order they come, and runs them on a pool of their own.

    At most ``max_waiting`` uploads wait in this process, holding ``waiting_bytes`` of files in
    all (one at least, whatever its size): each holds its body in memory, so beyond that an
    upload is answered 503 at once rather than queued. (An upload takes its place in the queue
    once its body is read: a slot held while a slow client sent its body would leave the
    decoders idle.)
    """

    slots: DecodeSlots
    #: How long an upload may wait for a free slot before it is answered 503.
    wait: float = 10.0
    max_waiting: int = 16
    waiting_bytes: int = WAITING_BYTES
    #: The Retry-After of that 503.
    retry_after: int = 5
    _pool: ThreadPoolExecutor = attrs.field(
        factory=lambda: ThreadPoolExecutor(thread_name_prefix="imagecore-upload"), init=False
    )
    #: The uploads waiting in this process, first come first: only the first may take a slot.
    _queue: collections.deque[object] = attrs.field(factory=collections.deque, init=False)
    #: The bytes the waiting uploads hold.
    _held: int = attrs.field(default=0, init=False)

    async def run(self, request: Request[Any, Any, Any], work: Callable[[], T], size: int) -> T:
        """``work()`` on the ``size`` bytes of an upload, with a decode slot, on an upload
        thread; cancelled if the client leaves."""
        release = await self._take(size)
        cancel = threading.Event()
        try:
            running = self._pool.submit(_cancellable, cancel, work)
        except RuntimeError:  # the pool is shut down: the server is stopping
            release()
            raise Abandoned() from None
        # The slot is the thread's until its work ends, whatever becomes of this request: the
        # thread's own future frees it, not the request's view of it, which a cancel ends early.
        running.add_done_callback(lambda _: release())
        future = asyncio.wrap_future(running)
        gone = asyncio.ensure_future(_disconnected(request))
        either: set[asyncio.Future[Any]] = {future, gone}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if gone.done():
                cancel.set()
            return await future
        except asyncio.CancelledError:
            cancel.set()  # the server is stopping the request: stop its decode too
            raise
        finally:
            gone.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _take(self, size: int) -> Callable[[], None]:
        if len(self._queue) >= self.max_waiting or (
            self._queue and self._held + size > self.waiting_bytes
        ):
            raise Busy(self.retry_after)
        ticket = object()
        self._queue.append(ticket)
        self._held += size
        deadline = time.monotonic() + self.wait
        try:
            while True:
                if self._queue[0] is ticket and (release := self.slots.try_take()) is not None:
                    return release
                if time.monotonic() >= deadline:
                    raise Busy(self.retry_after)
                await asyncio.sleep(POLL_SECONDS)
        finally:
            self._queue.remove(ticket)
            self._held -= size


def _cancellable(cancel: threading.Event, work: Callable[[], T]) -> T:
    with cancelled_by(cancel):
        return work()


async def _disconnected(request: Request[Any, Any, Any]) -> None:
    """Returns once the client has gone. The body has been read, so the next message the
    server has for this request is its disconnect."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
