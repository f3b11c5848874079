"""An image repository in a SQLite file: durable on one machine, shared by its worker processes.

One row per user holds each slot's image as JSON and a version. A write is a single statement that
only matches the version it read, so of two racing writers exactly one wins. The database runs in
WAL mode, so readers never wait for a writer, and each thread keeps one connection for its life.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import attrs

from imagecore import (
    ImageRepository,
    RateCounter,
    RepositoryError,
    Slot,
    StoredImage,
    UserImages,
    VersionConflict,
)

SCHEMA_VERSION = 2

_MIGRATIONS = {
    1: """
    CREATE TABLE IF NOT EXISTS user_images (
        user_id TEXT PRIMARY KEY NOT NULL,
        version INTEGER NOT NULL,
        profile_image TEXT,
        cover_image TEXT
    )
    """,
    2: """
    CREATE TABLE IF NOT EXISTS rate_counts (
        key TEXT NOT NULL,
        window INTEGER NOT NULL,
        count INTEGER NOT NULL,
        expires REAL NOT NULL,
        PRIMARY KEY (key, window)
    )
    """,
}
_HIT = (
    "INSERT INTO rate_counts (key, window, count, expires) VALUES (?, ?, 1, ?) "
    "ON CONFLICT (key, window) DO UPDATE SET count = count + 1 RETURNING count"
)
#: Forget expired counts once in this many hits.
_PRUNE_EVERY = 512
_GET = "SELECT version, profile_image, cover_image FROM user_images WHERE user_id = ?"
_REFERENCES = (
    "SELECT json_extract(profile_image, '$.key') FROM user_images WHERE profile_image IS NOT NULL "
    "UNION ALL "
    "SELECT json_extract(cover_image, '$.key') FROM user_images WHERE cover_image IS NOT NULL"
)
_INSERT = (
    "INSERT INTO user_images (user_id, version, profile_image, cover_image) VALUES (?, 1, ?, ?) "
    "ON CONFLICT (user_id) DO NOTHING"
)
_UPDATE = (
    "UPDATE user_images SET version = version + 1, profile_image = ?, cover_image = ? "
    "WHERE user_id = ? AND version = ?"
)


class SqliteRepository(ImageRepository):
    """Keeps each user's images in the SQLite database at ``path``, created if missing."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise RepositoryError(f"there is no database at {self.path}")
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._use_wal(self._connection())
            self._migrate(self._connection())
        except (OSError, sqlite3.Error) as error:
            raise RepositoryError(f"cannot open the database at {self.path}: {error}") from error

    def get(self, user_id: str) -> UserImages:
        try:
            row = self._connection().execute(_GET, (user_id,)).fetchone()
        except sqlite3.Error as error:
            raise RepositoryError(f"cannot read images of a user: {error}") from error
        if row is None:
            return UserImages()
        version, profile, cover = row
        return UserImages(profile_image=_image(profile), cover_image=_image(cover), version=version)

    def save(self, user_id: str, images: UserImages) -> UserImages:
        profile, cover = _json(images.get(Slot.PROFILE)), _json(images.get(Slot.COVER))
        try:
            if images.version == 0:
                done = self._connection().execute(_INSERT, (user_id, profile, cover))
            else:
                done = self._connection().execute(
                    _UPDATE, (profile, cover, user_id, images.version)
                )
        except sqlite3.Error as error:
            raise RepositoryError(f"cannot save images of a user: {error}") from error
        if done.rowcount != 1:
            raise VersionConflict()
        return attrs.evolve(images, version=images.version + 1)

    def references(self) -> Iterator[str]:
        try:
            rows = self._connection().execute(_REFERENCES)
            for (key,) in rows:
                yield key
        except sqlite3.Error as error:
            raise RepositoryError(f"cannot list referenced images: {error}") from error

    def close(self) -> None:
        """Close every connection this repository opened, in any thread."""
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # Autocommit: every statement is its own transaction, and each write is one statement.
            connection = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            connection.execute("PRAGMA synchronous = FULL")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def rate_counter(self) -> SqliteRateCounter:
        """Rate counts in the same database, so every worker process shares them."""
        return SqliteRateCounter(self)

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
    def _migrate(connection: sqlite3.Connection) -> None:
        # One exclusive transaction: workers starting together migrate one after the other.
        connection.execute("BEGIN IMMEDIATE")
        try:
            (found,) = connection.execute("PRAGMA user_version").fetchone()
            if found > SCHEMA_VERSION:
                raise RepositoryError(
                    f"the database has schema version {found}; this imagecore knows up to "
                    f"{SCHEMA_VERSION}: upgrade imagecore"
                )
            for version in range(found + 1, SCHEMA_VERSION + 1):
                connection.execute(_MIGRATIONS[version])
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


class SqliteRateCounter(RateCounter):
    """Rate counts in the repository's SQLite database: one upserted row per key and window."""

    def __init__(self, repository: SqliteRepository) -> None:
        self._repository = repository
        self._hits = itertools.count(1)

    def hit(self, key: str, window: int, expires: float) -> int:
        connection = self._repository._connection()
        try:
            (count,) = connection.execute(_HIT, (key, window, expires)).fetchone()
            if next(self._hits) % _PRUNE_EVERY == 0:
                connection.execute("DELETE FROM rate_counts WHERE expires < ?", (time.time(),))
        except sqlite3.Error as error:
            raise RepositoryError(f"cannot count requests: {error}") from error
        return int(count)

    def release(self, key: str, window: int) -> None:
        try:
            self._repository._connection().execute(
                "UPDATE rate_counts SET count = count - 1 WHERE key = ? AND window = ?",
                (key, window),
            )
        except sqlite3.Error as error:
            raise RepositoryError(f"cannot count requests: {error}") from error


def _json(image: StoredImage | None) -> str | None:
    return None if image is None else json.dumps(attrs.asdict(image), separators=(",", ":"))


def _image(text: str | None) -> StoredImage | None:
    return None if text is None else StoredImage(**json.loads(text))
