"""An image repository in a dict: for tests, and for apps that keep state elsewhere or not at all.

It is safe to share between threads. It forgets everything when the process ends, and every
process has its own: do not use it behind more than one server worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

import attrs

from imagecore import ImageRepository, UserImages, VersionConflict
from imagecore.audit import AuditRecord
from imagecore.blocking import BlockedPicture, Matching
from imagecore.model import Fingerprint, Slot
from imagecore.moderation_errors import AlreadyReported
from imagecore.ports import AuditLog, Blocklist, RateCounter, Reports
from imagecore.reports import Report


class MemoryAuditLog(AuditLog):
    """Records in a list behind a lock, appended by the memory stores sharing it."""

    def __init__(self) -> None:
        self._records: list[AuditRecord] = []
        self._lock = threading.Lock()

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append ``records``: the stores call it while they hold their own lock, so a record
        is kept exactly when its change is."""
        with self._lock:
            self._records.extend(records)

    def history(self, user_id: str) -> list[AuditRecord]:
        with self._lock:
            return [record for record in self._records if record.user_id == user_id]

    def prune(self, before: datetime) -> int:
        with self._lock:
            kept = [record for record in self._records if record.at >= before]
            pruned, self._records = len(self._records) - len(kept), kept
        return pruned


class MemoryRepository(ImageRepository):
    """Keeps each user's images in a dict behind a lock, with compare-and-set on the version;
    the records of each change go to :attr:`audit_log` (its own, unless given one to share)."""

    def __init__(self, audit_log: MemoryAuditLog | None = None) -> None:
        self._images: dict[str, UserImages] = {}
        self._lock = threading.Lock()
        self.audit_log = audit_log or MemoryAuditLog()

    def get(self, user_id: str) -> UserImages:
        with self._lock:
            return self._images.get(user_id, UserImages())

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        with self._lock:
            stored = self._images.get(user_id, UserImages())
            if stored.version != images.version:
                raise VersionConflict()
            committed = attrs.evolve(images, version=images.version + 1)
            self._images[user_id] = committed
            self.audit_log.append(records)
            return committed

    def users(self) -> Iterator[str]:
        with self._lock:
            users = [user for user, images in self._images.items() if images.references()]
        yield from users

    def references(self) -> Iterator[str]:
        with self._lock:
            keys = [key for images in self._images.values() for key in images.references()]
        yield from keys


#: The counter sweeps expired windows only once it holds more than this many.
SWEEP_FROM = 10_000


class MemoryRateCounter(RateCounter):
    """Rate counts in a dict behind a lock: per process, so for one worker only.

    Expired windows are swept out when the dict has doubled since the last sweep (and holds more
    than :data:`SWEEP_FROM`), so a sweep's cost is spread over the hits that grew it. ``clock``
    (seconds since the epoch) is read only to sweep.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], tuple[int, float]] = {}
        self._sweep_above = SWEEP_FROM
        self._lock = threading.Lock()

    def hit(self, key: str, window: int, expires: float) -> int:
        with self._lock:
            count = self._counts.get((key, window), (0, expires))[0] + 1
            self._counts[key, window] = (count, expires)
            if len(self._counts) > self._sweep_above:
                now = self._clock()
                self._counts = {k: v for k, v in self._counts.items() if v[1] >= now}
                self._sweep_above = max(SWEEP_FROM, 2 * len(self._counts))
            return count

    def release(self, key: str, window: int) -> None:
        with self._lock:
            count, expires = self._counts.get((key, window), (1, 0.0))
            self._counts[key, window] = (count - 1, expires)


@attrs.frozen
class InlineReader:
    """Reads ``repository`` on the event loop itself, with no thread: for one whose reads take
    microseconds and never wait (this module's, in memory), where a hop to a thread would cost
    more than the read."""

    repository: ImageRepository

    async def open(self) -> None:
        pass

    async def get(self, user_id: str) -> UserImages:
        return self.repository.get(user_id)

    async def close(self) -> None:
        pass


class MemoryBlocklist(Blocklist):
    """Blocked pictures in a list behind a lock, matched one by one: for tests and one
    process. Its changes' records go to ``audit_log``."""

    def __init__(
        self, matching: Matching | None = None, audit_log: MemoryAuditLog | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._entries: list[BlockedPicture] = []
        self.matching = matching or Matching()
        self.audit_log = audit_log or MemoryAuditLog()

    def add(self, entry: BlockedPicture, records: Sequence[AuditRecord] = ()) -> bool:
        return self.add_all((entry,), records) == 1

    def add_all(
        self, entries: Iterable[BlockedPicture], records: Sequence[AuditRecord] = ()
    ) -> int:
        with self._lock:
            added = 0
            for entry in entries:
                if not any(_same(entry, kept) for kept in self._entries):
                    self._entries.append(entry)
                    added += 1
            if added:
                self.audit_log.append(records)
            return added

    def remove(self, entry: BlockedPicture, records: Sequence[AuditRecord] = ()) -> bool:
        given = {entry.exact, entry.pdq} - {None}
        with self._lock:
            kept = [e for e in self._entries if not given & {e.exact, *e.perceptual}]
            if len(kept) == len(self._entries):
                return False
            self._entries = kept
            self.audit_log.append(records)
            return True

    def match(self, fingerprint: Fingerprint) -> BlockedPicture | None:
        with self._lock:
            entries = list(self._entries)
        return next((e for e in entries if self.matching.matches(fingerprint, e)), None)

    def entries(self) -> Iterator[BlockedPicture]:
        with self._lock:
            return iter(list(self._entries))


def _same(one: BlockedPicture, other: BlockedPicture) -> bool:
    """Whether two entries block by the same hashes (their reasons aside)."""
    return (one.exact, one.pdq) == (other.exact, other.pdq)


class MemoryReports(Reports):
    """Reports in a list behind a lock; their records go to ``audit_log``."""

    def __init__(self, audit_log: MemoryAuditLog | None = None) -> None:
        self._lock = threading.Lock()
        self._open: list[Report] = []
        self.audit_log = audit_log or MemoryAuditLog()

    def file(self, report: Report, records: Sequence[AuditRecord] = ()) -> None:
        image = (report.reporter, report.owner, report.slot, report.key)
        with self._lock:
            if any((r.reporter, r.owner, r.slot, r.key) == image for r in self._open):
                raise AlreadyReported(report.slot)
            self._open.append(report)
            self.audit_log.append(records)

    def open(self) -> list[Report]:
        with self._lock:
            return sorted(self._open, key=lambda report: report.at)

    def close(
        self,
        owner: str,
        slot: Slot,
        records: Sequence[AuditRecord] = (),
        *,
        key: str | None = None,
    ) -> int:
        def closing(report: Report) -> bool:
            return (report.owner, report.slot) == (owner, slot) and key in (None, report.key)

        with self._lock:
            kept = [r for r in self._open if not closing(r)]
            closed, self._open = len(self._open) - len(kept), kept
            if closed:
                self.audit_log.append(records)
        return closed
