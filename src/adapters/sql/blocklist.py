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
from typing import Any

from imagecore.adapters.sql import audit_log
from imagecore.adapters.sql.pdq_index import PdqIndex
from imagecore.adapters.sql.seam import Connection, Connections, Dialect
from imagecore.audit import AuditRecord
from imagecore.blocking import BlockedPicture, Matching
from imagecore.errors import RepositoryError
from imagecore.model import Fingerprint
from imagecore.ports import Blocklist

BLOCKLIST = "imagecore_blocklist"
#: One row: the number of the last change to the blocklist.
BLOCKLIST_CHANGES = "imagecore_blocklist_changes"

_PDQ = re.compile(r"[0-9a-fA-F]{64}")
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
