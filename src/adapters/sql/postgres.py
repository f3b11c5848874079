"""The images and rate counts in PostgreSQL, for deployments that run on more than one machine.

Connections come from a pool, opened once per process, never per request; a connection the
server dropped (a restart, a failover) is replaced, not handed out. The schema is created or
migrated when the database object starts, under an advisory lock, so workers starting together
do not trip over each other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

try:
    import psycopg
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as error:
    raise ImportError(f"PostgreSQL needs `pip install 'imagecore[postgres]'` ({error})") from error

from imagecore.adapters.sql.audit_log import SqlAuditLog
from imagecore.adapters.sql.blocklist import SqlBlocklist
from imagecore.adapters.sql.postgres_reader import AsyncPostgresReader
from imagecore.adapters.sql.rate_counter import SqlRateCounter
from imagecore.adapters.sql.reports import SqlReports
from imagecore.adapters.sql.repository import SqlRepository
from imagecore.adapters.sql.schema import migrate
from imagecore.adapters.sql.seam import Connection, Dialect
from imagecore.errors import RepositoryError

POSTGRES = Dialect(
    name="PostgreSQL",
    param="%s",
    json_param="%s::jsonb",
    json_text="{}::text",
    json_type="jsonb",
    time_type="timestamptz",
    serial_key="bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    table_exists="SELECT 1 WHERE to_regclass(%s) IS NOT NULL",
    errors=(psycopg.Error, PoolTimeout),
)
#: An arbitrary constant naming the migration lock among PostgreSQL advisory locks.
_MIGRATION_LOCK = 0x1_4A6E_C04E


class PostgresDatabase:
    """The PostgreSQL database at ``url``: its :attr:`repository`, :attr:`rate_counter`,
    :attr:`audit_log` and :attr:`reports`.

    With ``create`` (the default) the tables are created or migrated; without it the database
    must hold imagecore's tables already, and nothing is written unless ``upgrade`` lets an
    older schema be brought up to date (as the operators' commands do).
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        timeout: float = 10.0,
        create: bool = True,
        upgrade: bool | None = None,
    ) -> None:
        #: Reads for an event loop, on connections of their own (opened on that loop).
        self.reader = AsyncPostgresReader(url, POSTGRES, pool_size=pool_size, timeout=timeout)
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
            self._migrate(create=create, upgrade=create if upgrade is None else upgrade)
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
        #: The pictures taken down, matched in memory, fresh with every worker's changes.
        self.blocklist = SqlBlocklist(connections)
        #: The records the repository (and the other stores) append, read and pruned.
        self.audit_log = SqlAuditLog(connections)
        #: Users' reports on images.
        self.reports = SqlReports(connections)

    def close(self) -> None:
        """Close the pool and its connections."""
        self._pool.close()

    def _migrate(self, *, create: bool, upgrade: bool) -> None:
        with self._pool.connection() as connection, connection.transaction():
            if create or upgrade:
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            migrate(connection, POSTGRES, create=create, upgrade=upgrade)


class _PooledConnections:
    """Connections lent by the pool for one operation at a time."""

    dialect = POSTGRES

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def connection(self) -> AbstractContextManager[Connection]:
        return self._pool.connection()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._pool.connection() as connection, connection.transaction():
            yield connection

    def stream(self, query: str) -> Iterator[tuple[Any, ...]]:
        # A named (server-side) cursor inside a transaction streams the rows in batches.
        with (
            self._pool.connection() as connection,
            connection.transaction(),
            connection.cursor(name="imagecore_references") as cursor,
        ):
            cursor.execute(query)
            yield from cursor
