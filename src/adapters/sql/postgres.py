"""The images and rate counts in PostgreSQL, for deployments that run on more than one machine.

Connections come from a pool, opened once per process, never per request; a connection the
server dropped (a restart, a failover) is replaced, not handed out. The schema is created or
migrated when the database object starts, under an advisory lock, so workers starting together
do not trip over each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

try:
    import psycopg
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as error:
    raise ImportError(f"PostgreSQL needs `pip install 'imagecore[postgres]'` ({error})") from error

from imagecore.adapters.sql.rate_counter import SqlRateCounter
from imagecore.adapters.sql.repository import SqlRepository, select_user_images, user_images
from imagecore.adapters.sql.schema import migrate
from imagecore.adapters.sql.seam import Connection, Dialect
from imagecore.errors import RepositoryError
from imagecore.model import UserImages

POSTGRES = Dialect(
    name="PostgreSQL",
    param="%s",
    json_param="%s::jsonb",
    json_text="{}::text",
    json_type="jsonb",
    time_type="timestamptz",
    table_exists="SELECT 1 WHERE to_regclass(%s) IS NOT NULL",
    errors=(psycopg.Error, PoolTimeout),
)
#: An arbitrary constant naming the migration lock among PostgreSQL advisory locks.
_MIGRATION_LOCK = 0x1_4A6E_C04E


class PostgresDatabase:
    """The PostgreSQL database at ``url``: its :attr:`repository` and :attr:`rate_counter`.

    With ``create`` (the default) the tables are created or migrated; without it nothing is
    written: the database must hold the current imagecore tables already.
    """

    def __init__(
        self, url: str, *, pool_size: int = 10, timeout: float = 10.0, create: bool = True
    ) -> None:
        #: Reads for an event loop, on connections of their own (opened on that loop).
        self.reader = AsyncPostgresReader(url, pool_size=pool_size, timeout=timeout)
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
            self._migrate(create=create)
        except POSTGRES.errors as error:
            self._pool.close()
            raise RepositoryError(f"cannot use the PostgreSQL database: {error}") from error
        except BaseException:
            self._pool.close()
            raise
        connections = _PooledConnections(self._pool)
        self.repository = SqlRepository(connections)
        #: Rate counts in the same database, shared by every worker of every machine.
        self.rate_counter = SqlRateCounter(connections)

    def close(self) -> None:
        """Close the pool and its connections."""
        self._pool.close()

    def _migrate(self, *, create: bool) -> None:
        with self._pool.connection() as connection, connection.transaction():
            if create:
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            migrate(connection, POSTGRES, create=create)


class _PooledConnections:
    """Connections lent by the pool for one operation at a time."""

    dialect = POSTGRES

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def connection(self) -> AbstractContextManager[Connection]:
        return self._pool.connection()

    def stream(self, query: str) -> Iterator[tuple[Any, ...]]:
        # A named (server-side) cursor inside a transaction streams the rows in batches.
        with (
            self._pool.connection() as connection,
            connection.transaction(),
            connection.cursor(name="imagecore_references") as cursor,
        ):
            cursor.execute(query)
            yield from cursor


class AsyncPostgresReader:
    """Each user's images read on the event loop, on async connections of its own: no worker
    thread per request. The rows and their mapping are :class:`SqlRepository`'s.

    Its pool is a stack of idle connections, opened as reads need them, up to ``pool_size``,
    and dropped when broken (a server restart, a failover): psycopg_pool's bookkeeping for each
    connection lent cost 45 % of a read here (make bench), which a GET cannot afford.
    """

    def __init__(self, url: str, *, pool_size: int = 10, timeout: float = 10.0) -> None:
        self._url = url
        self._size = pool_size
        self._timeout = timeout
        self._get = select_user_images(POSTGRES)
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._lent = 0
        self._returned: asyncio.Condition | None = None
        self._closed = False

    async def open(self) -> None:
        """Made on the loop that will read; one connection opened, to fail early."""
        self._returned = asyncio.Condition()
        self._idle.append(await self._connect())

    async def get(self, user_id: str) -> UserImages:
        for attempt in (1, 2):
            connection = await self._take()
            try:
                cursor = await connection.execute(self._get, (user_id,))
                row = await cursor.fetchone()
            except POSTGRES.errors as error:
                if connection.broken and attempt == 1:
                    continue  # dropped by the server (a restart): a read may be made again
                raise RepositoryError(f"cannot read images of a user: {error}") from error
            finally:
                await self._give_back(connection)
            return user_images(row)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        """Close the idle connections; those lent are closed as they come back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    async def _take(self) -> psycopg.AsyncConnection[Any]:
        assert self._returned is not None, "open() first"
        async with self._returned:
            if not self._idle and self._lent + len(self._idle) >= self._size:
                try:
                    await asyncio.wait_for(
                        self._returned.wait_for(lambda: bool(self._idle)), self._timeout
                    )
                except TimeoutError:
                    raise RepositoryError(
                        f"no PostgreSQL connection came free within {self._timeout:g} s"
                    ) from None
            self._lent += 1
            if self._idle:
                return self._idle.pop()
        try:
            return await self._connect()
        except BaseException:
            self._lent -= 1
            raise

    async def _give_back(self, connection: psycopg.AsyncConnection[Any]) -> None:
        assert self._returned is not None
        if connection.broken:
            # The server dropped it, and most likely every other idle one with it (a restart, a
            # failover): reads open fresh ones as they need them.
            stale, self._idle = self._idle, []
            for dropped in (connection, *stale):
                await dropped.close()
        elif self._closed:
            await connection.close()
        async with self._returned:
            self._lent -= 1
            if not connection.closed:
                self._idle.append(connection)
            self._returned.notify()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        try:
            return await psycopg.AsyncConnection.connect(
                self._url,
                autocommit=True,
                application_name="imagecore",
                connect_timeout=max(1, round(self._timeout)),
            )
        except POSTGRES.errors as error:
            raise RepositoryError(f"cannot use the PostgreSQL database: {error}") from error
