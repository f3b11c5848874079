"""Each user's images read from PostgreSQL on the event loop: no worker thread per request.

Its connections are async psycopg ones of its own: at most ``pool_size`` lent at once (a
semaphore), the idle ones kept on a stack, opened as reads need them and closed when the server
dropped them (a restart, a failover) or a read left one mid-query. psycopg_pool's bookkeeping
for each connection lent cost 45 % of a read here (make bench), which a GET cannot afford.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from imagecore.adapters.sql.repository import select_user_images, user_images
from imagecore.adapters.sql.seam import Dialect
from imagecore.errors import RepositoryError
from imagecore.model import UserImages

Connection = psycopg.AsyncConnection[Any]


class AsyncPostgresReader:
    """Reads as :meth:`SqlRepository.get <imagecore.adapters.sql.SqlRepository.get>` does, on
    the loop that opened it; each read within ``timeout`` seconds, waiting for a connection
    included."""

    def __init__(self, url: str, dialect: Dialect, *, pool_size: int, timeout: float) -> None:
        self._url = url
        self._errors = dialect.errors
        self._get = select_user_images(dialect)
        self._size = pool_size
        self._timeout = timeout
        self._idle: list[Connection] = []
        self._lendable: asyncio.Semaphore | None = None

    async def open(self) -> None:
        """On the loop that will read: one connection opened, to fail early."""
        self._lendable = asyncio.Semaphore(self._size)
        self._idle.append(await self._connect())

    async def get(self, user_id: str) -> UserImages:
        try:
            async with asyncio.timeout(self._timeout):
                return await self._read(user_id)
        except TimeoutError:
            raise RepositoryError(f"no answer from PostgreSQL within {self._timeout:g} s") from None

    async def close(self) -> None:
        """Close the idle connections; those lent are closed as they come back."""
        self._lendable = None
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    async def _read(self, user_id: str) -> UserImages:
        lendable = self._lendable
        if lendable is None:
            raise RepositoryError("the PostgreSQL reader is not open")
        async with lendable:
            for attempt in (1, 2):
                connection = self._idle.pop() if self._idle else await self._connect()
                try:
                    cursor = await connection.execute(self._get, (user_id,))
                    row = await cursor.fetchone()
                except self._errors as error:
                    if connection.broken:
                        await self._drop_idle()  # the server dropped them all, most likely
                        if attempt == 1:
                            continue  # a read may be made again, on a fresh connection
                    raise RepositoryError(f"cannot read images of a user: {error}") from error
                finally:
                    await self._give_back(connection, lendable)
                return user_images(row)
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _give_back(self, connection: Connection, lendable: asyncio.Semaphore) -> None:
        # Only a connection idle and ready is lent again: not one the server dropped, nor one a
        # cancelled read (a timeout) left mid-query, nor any once the reader is closed.
        ready = connection.info.transaction_status == TransactionStatus.IDLE
        if ready and not connection.broken and self._lendable is lendable:
            self._idle.append(connection)
        else:
            await connection.close()

    async def _drop_idle(self) -> None:
        stale, self._idle = self._idle, []
        for connection in stale:
            await connection.close()

    async def _connect(self) -> Connection:
        try:
            return await psycopg.AsyncConnection.connect(
                self._url,
                autocommit=True,
                application_name="imagecore",
                connect_timeout=max(1, round(self._timeout)),
            )
        except self._errors as error:
            raise RepositoryError(f"cannot use the PostgreSQL database: {error}") from error
