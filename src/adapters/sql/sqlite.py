"""The images and rate counts in a SQLite file: durable on one machine, shared by its workers.

The database runs in WAL mode, so readers never wait for a writer; each thread keeps one
connection for its life, in autocommit mode: every write is one statement. Migrations run in one
``BEGIN IMMEDIATE`` transaction, so workers opening a new file together migrate one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from imagecore.adapters.sql.audit_log import SqlAuditLog
from imagecore.adapters.sql.blocklist import SqlBlocklist
from imagecore.adapters.sql.rate_counter import SqlRateCounter
from imagecore.adapters.sql.reports import SqlReports
from imagecore.adapters.sql.repository import SqlRepository
from imagecore.adapters.sql.schema import (
    RATE_COUNTS,
    USER_IMAGES,
    VERSIONS,
    has_table,
    migrate,
    newer_schema,
)
from imagecore.adapters.sql.seam import Connection, Dialect
from imagecore.errors import RepositoryError
from imagecore.model import UserImages

SQLITE = Dialect(
    name="SQLite",
    param="?",
    json_param="?",
    json_text="{}",
    json_type="text",
    time_type="text",
    serial_key="integer PRIMARY KEY AUTOINCREMENT",
    table_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    errors=(sqlite3.Error,),
)
#: Written to ``PRAGMA user_version``, where the imagecore of before the shared schema read its
#: version: any number above its 2 makes it refuse this file, rather than start an empty one.
_OLDER_IMAGECORE_REFUSES = 3


class SqliteDatabase:
    """The SQLite database at ``path``: its :attr:`repository`, :attr:`rate_counter`,
    :attr:`audit_log` and :attr:`reports`.

    With ``create`` (the default) a missing file is created and an older schema migrated; without
    it the file must exist and hold imagecore's tables, and nothing is written unless
    ``upgrade`` lets an older schema be brought up to date (as the operators' commands do).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        upgrade: bool | None = None,
        busy_timeout: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        if not create and not self.path.is_file():
            raise RepositoryError(f"there is no database at {self.path}")
        self._connections = _ThreadConnections(self.path, busy_timeout)
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._use_wal(self._connections.get())
            self._migrate(
                self._connections.get(),
                create=create,
                upgrade=create if upgrade is None else upgrade,
            )
        except (OSError, sqlite3.Error) as error:
            self.close()
            raise RepositoryError(f"cannot open the database at {self.path}: {error}") from error
        except BaseException:
            self.close()
            raise
        self.repository = SqlRepository(self._connections)
        #: Rate counts in the same file, so every worker process shares them.
        self.rate_counter = SqlRateCounter(self._connections)
        #: The pictures taken down, matched in memory, fresh with every worker's changes.
        self.blocklist = SqlBlocklist(self._connections)
        #: The records the repository (and the other stores) append, read and pruned.
        self.audit_log = SqlAuditLog(self._connections)
        #: Users' reports on images.
        self.reports = SqlReports(self._connections)
        #: Reads for an event loop (see :class:`SqliteReader`).
        self.reader = SqliteReader(self.path, self.repository)

    def close(self) -> None:
        """Close every connection this database opened, in any thread."""
        self._connections.close()

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        # WAL is a property of the database file, set once; switching to it ignores the busy
        # timeout, so workers opening a new database together retry here for a while.
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                connection.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @staticmethod
    def _migrate(connection: sqlite3.Connection, *, create: bool, upgrade: bool) -> None:
        # Only an exclusive transaction when it may write: checking works on a read-only file.
        connection.execute("BEGIN IMMEDIATE" if create or upgrade else "BEGIN")
        try:
            _adopt_older_file(connection, create=upgrade)
            migrate(connection, SQLITE, create=create, upgrade=upgrade)
            if create or upgrade:
                connection.execute(f"PRAGMA user_version = {_OLDER_IMAGECORE_REFUSES}")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def _adopt_older_file(connection: sqlite3.Connection, *, create: bool) -> None:
    """Give the tables of a file from before the shared schema their shared names.

    That imagecore recorded its version (1 or 2) in ``PRAGMA user_version`` and named its tables
    ``user_images`` and ``rate_counts`` (with a ``window`` column).
    """
    if has_table(connection, SQLITE, VERSIONS):
        return
    (found,) = connection.execute("PRAGMA user_version").fetchone()
    if found == 0:
        return
    if found > 2:
        raise newer_schema(found)
    if not create:
        raise RepositoryError(
            f"the database has the schema of an older imagecore (version {found}): "
            "open it with create=True (the server does when it starts) to migrate it"
        )
    connection.execute(f"ALTER TABLE user_images RENAME TO {USER_IMAGES}")
    connection.execute(f"ALTER TABLE {USER_IMAGES} ADD COLUMN updated_at text")
    if found >= 2:
        connection.execute(f"ALTER TABLE rate_counts RENAME TO {RATE_COUNTS}")
        connection.execute(f'ALTER TABLE {RATE_COUNTS} RENAME COLUMN "window" TO window_number')
    connection.execute(f"CREATE TABLE {VERSIONS} (version integer NOT NULL)")
    connection.executemany(
        f"INSERT INTO {VERSIONS} (version) VALUES (?)", [(v,) for v in range(1, found + 1)]
    )


class SqliteReader:
    """Reads for an event loop: on the loop itself, through a connection of its own that never
    waits, since in WAL mode a read is answered at once. Where the file is held all the same (a
    checkpoint, a recovery, a writer in exclusive locking mode), the read goes to a thread, to
    wait out the busy timeout there: on the loop, that wait stalled every request of the
    worker."""

    def __init__(self, path: Path, repository: SqlRepository) -> None:
        self._path = path
        self._waiting = repository
        self._connection: sqlite3.Connection | None = None
        self._at_once: SqlRepository | None = None

    async def open(self) -> None:
        self._connection = sqlite3.connect(
            self._path, timeout=0, isolation_level=None, check_same_thread=False
        )
        self._at_once = SqlRepository(_OneConnection(self._connection))

    async def get(self, user_id: str) -> UserImages:
        if self._at_once is not None:
            try:
                return self._at_once.get(user_id)
            except RepositoryError as error:
                if not _busy(error.__cause__):
                    raise
        return await asyncio.to_thread(self._waiting.get, user_id)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = self._at_once = None


def _busy(error: BaseException | None) -> bool:
    """Whether SQLite refused because the file is held by another connection."""
    return isinstance(error, sqlite3.OperationalError) and (
        "locked" in str(error) or "busy" in str(error)
    )


class _OneConnection:
    """One connection, as :class:`SqlRepository` takes connections."""

    dialect = SQLITE

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def connection(self) -> AbstractContextManager[Connection]:
        return contextlib.nullcontext(self._connection)

    def transaction(self) -> AbstractContextManager[Connection]:
        return _transaction(self._connection)

    def stream(self, query: str) -> Iterator[tuple[Any, ...]]:
        yield from self._connection.execute(query)


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[Connection]:
    # IMMEDIATE: the write lock is taken at the start, so a transaction that read first is
    # never refused its write half-way (SQLite's "database is locked" on upgrade).
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


class _ThreadConnections:
    """One connection to the file per thread, kept for the thread's life."""

    dialect = SQLITE

    def __init__(self, path: Path, busy_timeout: float) -> None:
        self._path = path
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def connection(self) -> AbstractContextManager[Connection]:
        return contextlib.nullcontext(self.get())

    def transaction(self) -> AbstractContextManager[Connection]:
        return _transaction(self.get())

    def stream(self, query: str) -> Iterator[tuple[Any, ...]]:
        yield from self.get().execute(query)

    def get(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # Autocommit: every statement is its own transaction, and each write is one statement.
            connection = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            connection.execute("PRAGMA synchronous = FULL")
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()
        self._local = threading.local()
