"""One limit on concurrent decodes, held for the decode alone.

:class:`SlottedCodec` wraps any codec: each ``encode`` holds one of a :class:`DecodeSlots`'
slots while it runs, and gives it back before the upload goes on to write its files and commit,
so that uploads waiting for a slot never wait on storage. A caller that waited for a slot
elsewhere (the HTTP upload gate waits on its event loop, fairly between users, without holding
a thread) hands it over with :func:`holding`; anyone else's decode waits here for a slot of its
own, as long as it takes, or until its caller leaves.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

import attrs

from imagecore.cancellation import current
from imagecore.errors import Abandoned
from imagecore.model import EncodedImage
from imagecore.policies import Box, ImageLimits
from imagecore.ports import DecodeSlots, ImageCodec

#: How often a decode waiting for a slot looks again.
POLL_SECONDS = 0.02


class ThreadSlots:
    """``count`` decode slots within one process (the default when no other process shares
    them)."""

    def __init__(self, count: int = 2) -> None:
        if count < 1:
            # No slot at all would make every upload wait for ever.
            raise ValueError(f"count must be at least 1, got {count}")
        self.count = count
        self._free = threading.BoundedSemaphore(count)

    def try_take(self) -> Callable[[], None] | None:
        return once(self._free.release) if self._free.acquire(blocking=False) else None


@attrs.define
class _Handed:
    release: Callable[[], None] | None


_handed: ContextVar[_Handed | None] = ContextVar("imagecore_decode_slot", default=None)


@contextlib.contextmanager
def holding(release: Callable[[], None]) -> Iterator[None]:
    """Run a block with a decode slot already taken for it, as the call that frees it: the
    block's first decode uses it. If no decode did, it is freed when the block ends."""
    handed = _Handed(release)
    token = _handed.set(handed)
    try:
        yield
    finally:
        _handed.reset(token)
        if handed.release is not None:
            handed.release()


@attrs.define
class SlottedCodec:
    """``codec``, each of its decodes holding one of ``slots`` while it runs, and only then.

    ``waiting`` is called once each time a decode has to wait for a slot (a command's progress
    line, say)."""

    codec: ImageCodec
    slots: DecodeSlots
    waiting: Callable[[], None] = lambda: None
    poll: float = POLL_SECONDS
    formats: tuple[str, ...] = attrs.field(
        init=False, default=attrs.Factory(lambda self: self.codec.formats, takes_self=True)
    )

    @property
    def max_pixels(self) -> int:
        return self.codec.max_pixels

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        release = self._take()
        try:
            return self.codec.encode(data, box, limits)
        finally:
            release()

    def _take(self) -> Callable[[], None]:
        handed = _handed.get()
        if handed is not None and handed.release is not None:
            given, handed.release = handed.release, None
            return given
        release = self.slots.try_take()
        if release is None:
            self.waiting()
            cancel = current()
            while (release := self.slots.try_take()) is None:
                if cancel is not None and cancel.is_set():
                    raise Abandoned()
                time.sleep(self.poll)
        return release


def once(release: Callable[[], None]) -> Callable[[], None]:
    """``release``, made safe to call more than once: only the first call frees the slot."""
    lock = threading.Lock()
    done = False

    def release_once() -> None:
        nonlocal done
        with lock:
            if done:
                return
            done = True
        release()

    return release_once
