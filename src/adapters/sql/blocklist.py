"""The blocklist in the same SQL database as the images, matched in memory by every worker.

Rows: one per entry in ``imagecore_blocklist``: its crops' PDQ hashes separated by spaces, an
absent hash as ``''`` (a unique index on ``(exact, pdq)`` of the live rows keeps one entry per
pair of hashes, as ``NULL`` would not), times as ISO 8601 text in UTC. Removing an entry keeps
its row, dated in ``removed_at`` (so that other workers learn of it); adding it again makes a
new row.

A match reads no entry row but the one it finds. Each database object keeps a
:class:`PdqIndex` of the live entries (every PDQ hash as four 64-bit words, and a dict of exact
hashes) and compares an upload's hash with all of them at once (XOR, popcount). The index stays
fresh through a change number: every add or remove, in its transaction, takes the next number
from the one row of ``imagecore_blocklist_changes`` (whose lock makes writers wait for one
another, so numbers are committed in order) and stamps it on the rows it writes. Before each
match one query reads that number; if it moved, the rows stamped since are read and applied (new
entries added to the index, removed ones taken out), so a worker sees another's add or remove at
its next match.

numpy (2 or later) is imported when the first match builds the index, so the rest of the SQL
adapter works without it.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from imagecore.adapters.sql import audit_log
from imagecore.adapters.sql.seam import Connection, Connections, Dialect
from imagecore.audit import AuditRecord
from imagecore.blocking import BlockedPicture, Matching
from imagecore.errors import RepositoryError
from imagecore.model import Fingerprint
from imagecore.ports import Blocklist

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

BLOCKLIST = "imagecore_blocklist"
#: One row: the number of the last change to the blocklist.
BLOCKLIST_CHANGES = "imagecore_blocklist_changes"

_PDQ = re.compile(r"[0-9a-fA-F]{64}")
#: PDQ hashes separated by spaces.
_PDQS = re.compile(r"[0-9a-fA-F]{64}(?: [0-9a-fA-F]{64})*")
#: A value no hash column holds.
_NONE = "-"
#: Entries written by one INSERT statement of :meth:`SqlBlocklist.add_all`.
_BATCH = 500
_ROW_PARAMS = 6
#: Rows read and applied at a time when an index is loaded whole.
_LOAD_CHUNK = 10_000


def create_blocklist(dialect: Dialect) -> tuple[str, ...]:
    """The statements that make the tables: the entries, with their uniqueness among the live
    ones and the index the reload reads by, and the change number's one row."""
    table = f"""
    CREATE TABLE IF NOT EXISTS {BLOCKLIST} (
        id {dialect.serial_key},
        exact text NOT NULL,
        pdq text NOT NULL,
        crops text NOT NULL,
        reason text NOT NULL,
        created_at text NOT NULL,
        removed_at text,
        change_number bigint NOT NULL
    )
    """
    changes = f"""
    CREATE TABLE IF NOT EXISTS {BLOCKLIST_CHANGES} (
        id integer PRIMARY KEY NOT NULL CHECK (id = 1),
        change_number bigint NOT NULL
    )
    """
    return (
        table,
        f"CREATE UNIQUE INDEX IF NOT EXISTS {BLOCKLIST}_one_live ON {BLOCKLIST} (exact, pdq) "
        "WHERE removed_at IS NULL",
        f"CREATE INDEX IF NOT EXISTS {BLOCKLIST}_by_change ON {BLOCKLIST} (change_number)",
        changes,
        f"INSERT INTO {BLOCKLIST_CHANGES} (id, change_number) VALUES (1, 0) ON CONFLICT DO NOTHING",
    )


class _Unchanged(Exception):
    """Raised inside a write's transaction to roll it back: it had nothing to change."""


class SqlBlocklist(Blocklist):
    """Entries in the ``imagecore_blocklist`` table, matched against an in-memory index that
    follows every worker's adds and removes (see the module's docstring).

    Made by a database object, which owns its connections. Safe to share between threads.
    """

    def __init__(self, connections: Connections, matching: Matching | None = None) -> None:
        self._connections = connections
        self._errors = connections.dialect.errors
        self.matching = matching or Matching()
        self._index: PdqIndex | None = None
        self._loading = threading.Lock()
        p = connections.dialect.param
        self._bump = (
            f"UPDATE {BLOCKLIST_CHANGES} SET change_number = change_number + 1 "
            "RETURNING change_number"
        )
        self._number = f"SELECT change_number FROM {BLOCKLIST_CHANGES}"
        self._row = f"({', '.join([p] * _ROW_PARAMS)})"
        # Any hash of an entry unblocks it: its exact hash, its PDQ hash, or one of its crops'
        # (a crop's hash, 64 hex digits, matches within the space-separated list only whole).
        self._remove = (
            f"UPDATE {BLOCKLIST} SET removed_at = {p}, change_number = {p} "
            f"WHERE removed_at IS NULL AND (exact = {p} OR pdq = {p} OR crops LIKE {p})"
        )
        self._entry = (
            f"SELECT exact, pdq, crops, reason FROM {BLOCKLIST} "
            f"WHERE id = {p} AND removed_at IS NULL"
        )
        self._entries = (
            f"SELECT exact, pdq, crops, reason FROM {BLOCKLIST} WHERE removed_at IS NULL"
        )
        hashes = f"SELECT id, exact, pdq, crops, removed_at FROM {BLOCKLIST}"
        self._live = f"{hashes} WHERE removed_at IS NULL"
        self._changed = f"{hashes} WHERE change_number > {p}"

    def add(self, entry: BlockedPicture, records: Sequence[AuditRecord] = ()) -> bool:
        return self.add_all((entry,), records) == 1

    def add_all(
        self, entries: Iterable[BlockedPicture], records: Sequence[AuditRecord] = ()
    ) -> int:
        """Add every entry not there already (the first of any with the same hashes), in one
        transaction with ``records`` (appended only if one was added); how many were added.

        Raises ValueError, writing nothing, if a PDQ hash is not 64 hex digits.
        """
        unique: dict[tuple[str, str], BlockedPicture] = {}
        for entry in entries:
            _check(entry)
            unique.setdefault(_key(entry), entry)
        if not unique:
            return 0
        now = _now()
        pending = list(unique.values())
        try:
            with self._connections.transaction() as connection:
                number = self._next_number(connection)
                added = 0
                for start in range(0, len(pending), _BATCH):
                    batch = pending[start : start + _BATCH]
                    params = [value for entry in batch for value in _row(entry, now, number)]
                    added += connection.execute(self._insert(len(batch)), params).rowcount
                if not added:
                    raise _Unchanged()
                audit_log.append(connection, self._connections.dialect, records)
        except _Unchanged:
            return 0
        except self._errors as error:
            raise RepositoryError(f"cannot add to the blocklist: {error}") from error
        return added

    def remove(self, entry: BlockedPicture, records: Sequence[AuditRecord] = ()) -> bool:
        # A hash no column holds stands for a hash not given.
        exact, pdq = entry.exact or _NONE, entry.pdq or _NONE
        crop = f"%{entry.pdq}%" if entry.pdq else _NONE
        try:
            with self._connections.transaction() as connection:
                number = self._next_number(connection)
                done = connection.execute(self._remove, (_now(), number, exact, pdq, crop))
                if not done.rowcount:
                    raise _Unchanged()
                audit_log.append(connection, self._connections.dialect, records)
        except _Unchanged:
            return False
        except self._errors as error:
            raise RepositoryError(f"cannot remove from the blocklist: {error}") from error
        return True

    def match(self, fingerprint: Fingerprint) -> BlockedPicture | None:
        candidates = self._fresh_index().candidates(fingerprint, self.matching)
        if not candidates:
            return None
        try:
            with self._connections.connection() as connection:
                for entry_id in candidates:
                    row = connection.execute(self._entry, (entry_id,)).fetchone()
                    if row is None:  # removed since the index was read
                        continue
                    entry = _entry(row)
                    if self.matching.matches(fingerprint, entry):
                        return entry
        except self._errors as error:
            raise RepositoryError(f"cannot read the blocklist: {error}") from error
        return None

    def entries(self) -> Iterator[BlockedPicture]:
        try:
            for row in self._connections.stream(self._entries):
                yield _entry(row)
        except self._errors as error:
            raise RepositoryError(f"cannot read the blocklist: {error}") from error

    def _insert(self, rows: int) -> str:
        return (
            f"INSERT INTO {BLOCKLIST} (exact, pdq, crops, reason, created_at, change_number) "
            f"VALUES {', '.join([self._row] * rows)} "
            "ON CONFLICT (exact, pdq) WHERE removed_at IS NULL DO NOTHING"
        )

    def _next_number(self, connection: Connection) -> int:
        # The row's lock is held to the commit: the next writer waits, then takes the next number.
        return int(connection.execute(self._bump).fetchall()[0][0])

    def _current_number(self) -> int:
        try:
            with self._connections.connection() as connection:
                return int(connection.execute(self._number).fetchone()[0])
        except self._errors as error:
            raise RepositoryError(f"cannot read the blocklist: {error}") from error

    def _fresh_index(self) -> PdqIndex:
        """The index as of the database's current change number: one query when it is."""
        number = self._current_number()
        index = self._index
        if index is not None and index.number == number:
            return index
        with self._loading:
            # Read again under the lock: another thread may have loaded meanwhile, and a number
            # lower than the index's is a database begun again (restored, recreated).
            number = self._current_number()
            index = self._index
            if index is not None and index.number == number:
                return index
            try:
                if index is None or number < index.number:
                    index = PdqIndex()
                    rows = iter(self._connections.stream(self._live))
                    while chunk := list(itertools.islice(rows, _LOAD_CHUNK)):
                        index.apply(chunk, replacing=False)
                else:
                    with self._connections.connection() as connection:
                        changed = connection.execute(self._changed, (index.number,)).fetchall()
                    index.apply(changed)
            except self._errors as error:
                raise RepositoryError(f"cannot read the blocklist: {error}") from error
            # Rows committed after ``number`` may be among those applied: applying them again
            # at the next reload changes nothing.
            index.number = number
            self._index = index
            return index


class PdqIndex:
    """The live entries' hashes, by entry id: every PDQ hash as four 64-bit words (one array
    per word, so that each step runs over one contiguous array), and a dict of exact hashes.

    :meth:`apply` is called by one thread at a time; :meth:`candidates` by any number at once,
    each reading the arrays as they were published when it started.
    """

    def __init__(self) -> None:
        self._np = numpy = _numpy()
        #: The change number of the database it reflects.
        self.number = 0
        self._words: npt.NDArray[np.uint64] = numpy.zeros((4, 1024), numpy.uint64)
        self._owners: npt.NDArray[np.int64] = numpy.full(1024, -1, numpy.int64)
        self._rows = 0
        self._dead = 0
        self._exact: dict[str, tuple[int, ...]] = {}
        #: The ids of the live entries it holds.
        self._live: set[int] = set()
        self._view = (self._words[:, :0], self._owners[:0])

    @classmethod
    def of(cls, entries: Iterable[tuple[int, BlockedPicture]]) -> PdqIndex:
        """An index of ``entries``, each with its id."""
        index = cls()
        rows = [(i, e.exact or "", e.pdq or "", " ".join(e.crops), None) for i, e in entries]
        index.apply(rows, replacing=False)
        return index

    def __len__(self) -> int:
        """How many PDQ hashes it compares with."""
        return self._rows - self._dead

    def apply(self, rows: Iterable[Sequence[Any]], *, replacing: bool = True) -> None:
        """Apply rows ``(id, exact, pdq, crops, removed_at)``: a removed one (``removed_at``
        set) takes its entry out; a live one of an entry it holds already changes nothing (an
        entry's hashes never change: blocking a picture again is a new row), so that a row
        applied twice never leaves a moment when its entry is missing. Without ``replacing``,
        the rows are of entries it does not hold yet."""
        np = self._np
        gone: list[int] = []
        owners: list[int] = []
        texts: list[str] = []  # each entry's PDQ hashes, separated by spaces
        for entry_id, exact, pdq, crops, removed_at in rows:
            if removed_at is not None:
                if entry_id in self._live:
                    self._live.discard(entry_id)
                    gone.append(entry_id)
                if exact:
                    self._forget_exact(exact, entry_id)
                continue
            if replacing and entry_id in self._live:
                continue
            self._live.add(entry_id)
            if exact:
                ids = self._exact.get(exact, ())
                if entry_id not in ids:
                    self._exact[exact] = (*ids, entry_id)
            text = f"{pdq} {crops}" if pdq and crops else pdq or crops
            if text:
                owners.append(entry_id)
                texts.append(text)
        _, published = self._view
        if gone and len(published):
            dead = np.isin(published, np.array(gone, np.int64))
            self._dead += int(dead.sum())
            published[dead] = -1
        if self._dead > max(self._rows // 2, 4096):
            self._compact()
        if texts:
            self._append(texts, owners)

    def _forget_exact(self, exact: str, entry_id: int) -> None:
        ids = self._exact.get(exact, ())
        if entry_id in ids:
            kept = tuple(i for i in ids if i != entry_id)
            if kept:
                self._exact[exact] = kept
            else:
                del self._exact[exact]

    def candidates(self, fingerprint: Fingerprint, matching: Matching) -> list[int]:
        """The ids of the entries ``fingerprint`` may be: those of its exact hash, then those
        with a PDQ hash near enough, nearest first."""
        np = self._np
        words, owners = self._view
        found = list(self._exact.get(fingerprint.exact, ()))
        limit = matching.distance
        if fingerprint.quality < matching.min_quality or limit < 0 or not len(owners):
            return found
        query = np.frombuffer(bytes.fromhex(fingerprint.pdq), np.uint64)
        # The first two words' distance (at most 128, in bytes) leaves few rows for the rest.
        near = np.bitwise_count(words[0] ^ query[0])
        near += np.bitwise_count(words[1] ^ query[1])
        rows = np.flatnonzero(near <= min(limit, 128))
        if rows.size:
            distance = near[rows].astype(np.int64)
            distance += np.bitwise_count(words[2, rows] ^ query[2])
            distance += np.bitwise_count(words[3, rows] ^ query[3])
            close = distance <= limit
            rows = rows[close][np.argsort(distance[close], kind="stable")]
            for entry_id in owners[rows].tolist():
                if entry_id >= 0 and entry_id not in found:
                    found.append(entry_id)
        return found

    def _append(self, texts: list[str], owners: list[int]) -> None:
        np = self._np
        joined = " ".join(texts)
        if not _PDQS.fullmatch(joined):
            raise RepositoryError("the blocklist holds a PDQ hash that is not 64 hex digits")
        hashes = np.frombuffer(bytes.fromhex(joined), np.uint64).reshape(-1, 4)
        counts = [(len(text) + 1) // 65 for text in texts]
        start, end = self._rows, self._rows + len(hashes)
        if end > self._owners.size:
            # New arrays: readers of the old ones go on reading them.
            capacity = max(end, 2 * self._owners.size)
            grown_words = np.zeros((4, capacity), np.uint64)
            grown_owners = np.full(capacity, -1, np.int64)
            grown_words[:, :start] = self._words[:, :start]
            grown_owners[:start] = self._owners[:start]
            self._words, self._owners = grown_words, grown_owners
        # Beyond the published rows: no reader looks there until the view below is published.
        self._words[:, start:end] = hashes.T
        self._owners[start:end] = np.repeat(np.array(owners, np.int64), counts)
        self._rows = end
        self._view = (self._words[:, :end], self._owners[:end])

    def _compact(self) -> None:
        np = self._np
        live = self._owners[: self._rows] >= 0
        count = int(live.sum())
        capacity = max(1024, 2 * count)
        words = np.zeros((4, capacity), np.uint64)
        owners = np.full(capacity, -1, np.int64)
        words[:, :count] = self._words[:, : self._rows][:, live]
        owners[:count] = self._owners[: self._rows][live]
        self._words, self._owners, self._rows, self._dead = words, owners, count, 0
        self._view = (words[:, :count], owners[:count])


def _numpy() -> ModuleType:
    try:
        import numpy
    except ImportError as error:
        raise ImportError(
            "matching against a SQL blocklist needs numpy 2 or later: "
            f"`pip install 'imagecore[codec]'` ({error})"
        ) from error
    if not hasattr(numpy, "bitwise_count"):
        raise ImportError(
            f"matching against a SQL blocklist needs numpy 2 or later, not {numpy.__version__}"
        )
    return numpy


def _check(entry: BlockedPicture) -> None:
    for value in entry.perceptual:
        if not _PDQ.fullmatch(value):
            raise ValueError(f"not a PDQ hash (64 hex digits): {value!r}")


def _key(entry: BlockedPicture) -> tuple[str, str]:
    """What makes two entries the same (as the memory blocklist has it), as the columns hold it."""
    return entry.exact or "", entry.pdq or ""


def _row(entry: BlockedPicture, now: str, number: int) -> tuple[Any, ...]:
    return (*_key(entry), " ".join(entry.crops), entry.reason, now, number)


def _entry(row: Sequence[Any]) -> BlockedPicture:
    exact, pdq, crops, reason = row
    return BlockedPicture(exact or None, pdq or None, reason, tuple(crops.split()))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
