"""Uploads through a bounded number of decode slots, in turn, for any web framework.

An upload first takes a decode slot, fairly between users, waiting for one for at most ``wait``
seconds, else it is answered 503 with Retry-After. Where the host is async, it waits on the event
loop (no thread held), then runs on a thread of the uploads' own pool, so that media, GET and
DELETE never queue behind decodes, while the client's connection is watched: a client that
leaves cancels its decode. Where the host is blocking (a WSGI server), it waits and runs on the
request's own thread. Either way it hands the slot to the service's codec
(:mod:`imagecore.decode_limit`), which gives it back as soon as the decode ends: the upload's
writes and commit hold no slot.
"""

from __future__ import annotations

import _thread
import asyncio
import collections
import functools
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs

from imagecore.cancellation import cancelled_by
from imagecore.decode_limit import holding, once
from imagecore.errors import Abandoned, Busy
from imagecore.ports import DecodeSlots

T = TypeVar("T")

#: How often an upload waiting for a slot looks again.
POLL_SECONDS = 0.02
#: Uploads run at once in one process, each decoding in a slot or writing its files.
UPLOAD_THREADS = 64


@attrs.define(eq=False)
class _Ticket:
    user: str


@attrs.define
class UploadGate:
    """Admits uploads to ``slots`` fairly between users, and runs them on a pool of their own.

    ``slots`` must be those of the codec's :class:`~imagecore.decode_limit.SlottedCodec`, which
    the slot taken here is handed to. A user decodes one upload at a time in this process, so
    that one user's uploads (a stream of files that each run to their budget, say) never hold
    more than one slot while others wait: with two slots, someone else's upload always finds
    the other. Past that, uploads take
    a free slot in the order they came, skipping those whose user is decoding already. A user
    may have ``per_user`` uploads here, waiting or decoding, and ``max_waiting`` may wait in all:
    beyond either, an upload is answered 503 at once rather than queued. (The bytes the waiting
    uploads hold are bounded by the body budget, charged while the bodies arrived.)
    """

    slots: DecodeSlots
    #: How long an upload may wait for a free slot before it is answered 503.
    wait: float = 10.0
    max_waiting: int = 16
    per_user: int = 2
    #: The Retry-After of that 503.
    retry_after: int = 5
    #: Once its decode is done, an upload's thread waits on storage: the slots bound the CPU
    #: work, and a pool as small as the CPU count would keep a slot taken while its upload
    #: waited for a thread behind others' writes.
    _pool: ThreadPoolExecutor = attrs.field(
        factory=lambda: ThreadPoolExecutor(UPLOAD_THREADS, thread_name_prefix="imagecore-upload"),
        init=False,
    )
    _queue: collections.deque[_Ticket] = attrs.field(factory=collections.deque, init=False)
    #: Each user's uploads here (waiting or decoding), and those of them decoding. Decodes end
    #: on the pool's threads, hence the lock.
    _uploads: collections.Counter[str] = attrs.field(factory=collections.Counter, init=False)
    _decoding: collections.Counter[str] = attrs.field(factory=collections.Counter, init=False)
    _lock: _thread.LockType = attrs.field(factory=threading.Lock, init=False)

    async def run(
        self,
        work: Callable[[], T],
        user: str,
        disconnected: Callable[[], Awaitable[None]] | None = None,
    ) -> T:
        """``work()`` for ``user``'s upload, with a decode slot, on an upload thread; cancelled
        if the client leaves: when ``disconnected()`` returns (it is called once the body has
        been read, so the next message the server has for the request is its disconnect)."""
        try:
            release = await self._take(user)
        except asyncio.CancelledError:
            _stop_cancelling()
            raise Abandoned() from None  # the server is stopping (see below)
        cancel = threading.Event()
        try:
            running = self._pool.submit(_admitted, cancel, release, work)
        except RuntimeError:  # the pool is shut down: the server is stopping
            release()
            raise Abandoned() from None
        # The slot is the thread's until its decode ends, whatever becomes of this request: the
        # thread frees it, not the request's view of it, which a cancel ends early. The future's
        # end frees it too, for work that never ran (a pool shut down) or never decoded.
        running.add_done_callback(lambda _: release())
        future = asyncio.wrap_future(running)
        gone = asyncio.ensure_future(disconnected() if disconnected else _never())
        either: set[asyncio.Future[Any]] = {future, gone}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if gone.done():
                cancel.set()
            return await future
        except asyncio.CancelledError:
            # Only a stopping server cancels a request here (a client that leaves is watched
            # for): its decode is stopped, and the client told so, as a 503 it can retry.
            cancel.set()
            _stop_cancelling()
            raise Abandoned() from None
        finally:
            gone.cancel()

    def run_blocking(self, work: Callable[[], T], user: str) -> T:
        """``work()`` for ``user``'s upload, with a decode slot, on this thread, which waits
        for it: for a blocking host, whose request holds a thread anyway."""
        ticket = self._enter(user)
        deadline = time.monotonic() + self.wait
        release = None
        try:
            while (release := self._try(ticket)) is None:
                if time.monotonic() >= deadline:
                    raise Busy(self.retry_after)
                time.sleep(POLL_SECONDS)
        finally:
            self._leave(ticket, taken=release is not None)
        with holding(release):
            return work()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _take(self, user: str) -> Callable[[], None]:
        ticket = self._enter(user)
        deadline = time.monotonic() + self.wait
        release = None
        try:
            while (release := self._try(ticket)) is None:
                if time.monotonic() >= deadline:
                    raise Busy(self.retry_after)
                await asyncio.sleep(POLL_SECONDS)
            return release
        finally:
            self._leave(ticket, taken=release is not None)

    def _enter(self, user: str) -> _Ticket:
        """A place in the queue for ``user``'s upload, or Busy at once."""
        with self._lock:
            if self._uploads[user] >= self.per_user:
                raise Busy(self.retry_after, short_of="turn")
            if len(self._queue) >= self.max_waiting:
                raise Busy(self.retry_after)
            self._uploads[user] += 1
            ticket = _Ticket(user)
            self._queue.append(ticket)
            return ticket

    def _try(self, ticket: _Ticket) -> Callable[[], None] | None:
        """A slot for ``ticket`` if it is its turn and one is free; what gives it back."""
        if self._next() is not ticket or (release := self.slots.try_take()) is None:
            return None
        with self._lock:
            self._decoding[ticket.user] += 1
        return once(functools.partial(self._release, ticket.user, release))

    def _leave(self, ticket: _Ticket, *, taken: bool) -> None:
        with self._lock:
            self._queue.remove(ticket)
        if not taken:
            self._forget(ticket.user)

    def _next(self) -> _Ticket | None:
        """The upload that takes the next free slot: the first whose user decodes nothing."""
        with self._lock:
            return next((t for t in self._queue if not self._decoding[t.user]), None)

    def _release(self, user: str, release: Callable[[], None]) -> None:
        with self._lock:
            self._decoding[user] -= 1
            if not self._decoding[user]:
                del self._decoding[user]
        self._forget(user)
        release()

    def _forget(self, user: str) -> None:
        with self._lock:
            self._uploads[user] -= 1
            if not self._uploads[user]:
                del self._uploads[user]


def _stop_cancelling() -> None:
    """Marks the current task's cancellation as handled, so that what answers its request (the
    error handler, the rate refund's thread) is not cancelled in turn."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


def _admitted(cancel: threading.Event, release: Callable[[], None], work: Callable[[], T]) -> T:
    with cancelled_by(cancel), holding(release):
        return work()


async def _never() -> None:
    await asyncio.Event().wait()
