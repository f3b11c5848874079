"""The memory request bodies may hold in one process, charged before their bytes are kept.

An upload's body is held in memory from its first byte until its answer: while it arrives, while
it waits for a decode slot, while it is decoded. Without a budget, slow clients could each park
an upload's worth of bytes on the server; with one, past it a request is answered 503 at once
and nothing more of its body is read. One client address (an IPv6 /64 counting as one) may hold
only a share, so that one client's bodies do not turn everyone else's uploads away.

A binding may use it from an event loop or from many threads (a WSGI server's): it holds a lock.
"""

from __future__ import annotations

import _thread
import collections
import contextlib
import threading
from collections.abc import Iterator

import attrs

from imagecore import ImageSlots
from imagecore.errors import Busy

#: The default budget per process: six uploads of the largest default size at once.
BODY_BYTES = 160 * 2**20


@attrs.define
class BodyBudget:
    """``total`` bytes of request bodies in all, ``per_address`` from any one address."""

    total: int = BODY_BYTES
    per_address: int = BODY_BYTES // 4
    #: The Retry-After of the 503 past the budget.
    retry_after: int = 5
    _held: int = attrs.field(default=0, init=False)
    _by_address: collections.Counter[str] = attrs.field(factory=collections.Counter, init=False)
    _lock: _thread.LockType = attrs.field(factory=threading.Lock, init=False)

    @property
    def held(self) -> int:
        """The bytes charged now."""
        return self._held

    @contextlib.contextmanager
    def account(self, address: str) -> Iterator[BodyAccount]:
        """An account for one request's body from ``address``, given back whatever happens."""
        account = BodyAccount(self, address)
        try:
            yield account
        finally:
            account.give_back()

    def _charge(self, address: str, size: int) -> None:
        with self._lock:
            self._charge_locked(address, size)

    def _charge_locked(self, address: str, size: int) -> None:
        if self._held + size > self.total or self._by_address[address] + size > self.per_address:
            raise Busy(self.retry_after, short_of="memory")
        self._held += size
        self._by_address[address] += size

    def _give_back(self, address: str, size: int) -> None:
        with self._lock:
            self._held -= size
            self._by_address[address] -= size
            if not self._by_address[address]:
                del self._by_address[address]


@attrs.define
class BodyAccount:
    """What one request's body holds of the budget."""

    budget: BodyBudget
    address: str
    charged: int = 0

    def need(self, size: int) -> None:
        """Hold ``size`` bytes in all, charging what is not held yet; raises Busy past the
        budget. A body's declared length is held before its first byte is read, so that a body
        let in can arrive whole: charged only as they arrive, many bodies at once would each
        get part of the budget, and none enough to finish."""
        if size > self.charged:
            self.budget._charge(self.address, size - self.charged)
            self.charged = size

    def give_back(self) -> None:
        self.budget._give_back(self.address, self.charged)
        self.charged = 0


def declared_length(content_length: str | None, slots: ImageSlots) -> int:
    """What an upload's body is held at before it arrives: its Content-Length; 0 without one,
    or over the upload limit: that body is answered 413 as soon as it is read, and must not be
    answered 503 first."""
    try:
        declared = int(content_length or "0")
    except ValueError:
        return 0
    return declared if 0 < declared <= slots.limits.max_bytes else 0
