"""An image repository in PostgreSQL, for deployments that run on more than one machine.

One row per user holds each slot's image as JSON and a version; a write is a single statement that
only matches the version it read. Connections come from a pool, opened once per process, never per
request. The schema is created or migrated when the repository starts, under an advisory lock, so
workers starting together do not trip over each other.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import attrs
import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

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
#: An arbitrary constant naming the migration lock among PostgreSQL advisory locks.
_MIGRATION_LOCK = 0x1_4A6E_C04E

_MIGRATIONS = {
    1: """
    CREATE TABLE IF NOT EXISTS imagecore_user_images (
        user_id text PRIMARY KEY,
        version bigint NOT NULL,
        profile_image jsonb,
        cover_image jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    2: """
    CREATE TABLE IF NOT EXISTS imagecore_rate_counts (
        key text NOT NULL,
        window_number bigint NOT NULL,
        count integer NOT NULL,
        expires double precision NOT NULL,
        PRIMARY KEY (key, window_number)
    )
    """,
}
_HIT = (
    "INSERT INTO imagecore_rate_counts (key, window_number, count, expires) "
    "VALUES (%s, %s, 1, %s) ON CONFLICT (key, window_number) "
    "DO UPDATE SET count = imagecore_rate_counts.count + 1 RETURNING count"
)
_PRUNE_EVERY = 512
_GET = "SELECT version, profile_image, cover_image FROM imagecore_user_images WHERE user_id = %s"
_INSERT = (
    "INSERT INTO imagecore_user_images (user_id, version, profile_image, cover_image) "
    "VALUES (%s, 1, %s, %s) ON CONFLICT (user_id) DO NOTHING"
)
_UPDATE = (
    "UPDATE imagecore_user_images SET version = version + 1, profile_image = %s, "
    "cover_image = %s, updated_at = now() WHERE user_id = %s AND version = %s"
)
_REFERENCES = (
    "SELECT profile_image ->> 'key' FROM imagecore_user_images WHERE profile_image IS NOT NULL "
    "UNION ALL "
    "SELECT cover_image ->> 'key' FROM imagecore_user_images WHERE cover_image IS NOT NULL"
)


class PostgresRepository(ImageRepository):
    """Keeps each user's images in the ``imagecore_user_images`` table of ``url``'s database."""

    def __init__(self, url: str, *, pool_size: int = 10, timeout: float = 10.0) -> None:
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            timeout=timeout,
            # Named, so that operators (and the tests) can tell its connections apart.
            kwargs={"autocommit": True, "application_name": "imagecore"},
            # A connection the server dropped (a restart, a failover) is replaced, not handed out.
            check=ConnectionPool.check_connection,
            open=False,
            name="imagecore",
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
            self._migrate()
        except (psycopg.Error, PoolTimeout) as error:
            self._pool.close()
            raise RepositoryError(f"cannot use the PostgreSQL database: {error}") from error
        except BaseException:
            self._pool.close()
            raise

    def get(self, user_id: str) -> UserImages:
        row = self._fetch_one(_GET, (user_id,))
        if row is None:
            return UserImages()
        version, profile, cover = row
        return UserImages(profile_image=_image(profile), cover_image=_image(cover), version=version)

    def save(self, user_id: str, images: UserImages) -> UserImages:
        profile, cover = _json(images.get(Slot.PROFILE)), _json(images.get(Slot.COVER))
        try:
            with self._pool.connection() as connection:
                if images.version == 0:
                    done = connection.execute(_INSERT, (user_id, profile, cover))
                else:
                    done = connection.execute(_UPDATE, (profile, cover, user_id, images.version))
        except (psycopg.Error, PoolTimeout) as error:
            raise RepositoryError(f"cannot save images of a user: {error}") from error
        if done.rowcount != 1:
            raise VersionConflict()
        return attrs.evolve(images, version=images.version + 1)

    def references(self) -> Iterator[str]:
        try:
            # A named (server-side) cursor inside a transaction streams the rows in batches.
            with (
                self._pool.connection() as connection,
                connection.transaction(),
                connection.cursor(name="imagecore_references") as cursor,
            ):
                cursor.execute(_REFERENCES)
                for (key,) in cursor:
                    yield key
        except (psycopg.Error, PoolTimeout) as error:
            raise RepositoryError(f"cannot list referenced images: {error}") from error

    def close(self) -> None:
        self._pool.close()

    def rate_counter(self) -> PostgresRateCounter:
        """Rate counts in the same database, shared by every worker of every machine."""
        return PostgresRateCounter(self._pool)

    def _fetch_one(self, query: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        try:
            with self._pool.connection() as connection:
                return connection.execute(query, params).fetchone()
        except (psycopg.Error, PoolTimeout) as error:
            raise RepositoryError(f"cannot read images of a user: {error}") from error

    def _migrate(self) -> None:
        with self._pool.connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            connection.execute(
                "CREATE TABLE IF NOT EXISTS imagecore_schema (version integer NOT NULL)"
            )
            row = connection.execute("SELECT max(version) FROM imagecore_schema").fetchone()
            found = (row[0] if row else None) or 0
            if found > SCHEMA_VERSION:
                raise RepositoryError(
                    f"the database has schema version {found}; this imagecore knows up to "
                    f"{SCHEMA_VERSION}: upgrade imagecore"
                )
            for version in range(found + 1, SCHEMA_VERSION + 1):
                connection.execute(_MIGRATIONS[version])
                connection.execute("INSERT INTO imagecore_schema VALUES (%s)", (version,))


class PostgresRateCounter(RateCounter):
    """Rate counts in PostgreSQL: one upserted row per key and window, from the shared pool."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool
        self._hits = itertools.count(1)

    def hit(self, key: str, window: int, expires: float) -> int:
        try:
            with self._pool.connection() as connection:
                row = connection.execute(_HIT, (key, window, expires)).fetchone()
                if next(self._hits) % _PRUNE_EVERY == 0:
                    connection.execute(
                        "DELETE FROM imagecore_rate_counts WHERE expires < %s", (time.time(),)
                    )
        except (psycopg.Error, PoolTimeout) as error:
            raise RepositoryError(f"cannot count requests: {error}") from error
        assert row is not None
        return int(row[0])

    def release(self, key: str, window: int) -> None:
        try:
            with self._pool.connection() as connection:
                connection.execute(
                    "UPDATE imagecore_rate_counts SET count = count - 1 "
                    "WHERE key = %s AND window_number = %s",
                    (key, window),
                )
        except (psycopg.Error, PoolTimeout) as error:
            raise RepositoryError(f"cannot count requests: {error}") from error


def _json(image: StoredImage | None) -> Jsonb | None:
    return None if image is None else Jsonb(attrs.asdict(image))


def _image(value: dict[str, Any] | str | None) -> StoredImage | None:
    if value is None:
        return None
    return StoredImage(**(json.loads(value) if isinstance(value, str) else value))
