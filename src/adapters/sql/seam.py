"""The seam between the shared SQL code and each database: a dialect and a source of connections.

The shared code (schema, repository, rate counter) writes its statements through a
:class:`Dialect` and runs them on a :class:`Connections`; each database module supplies both.
The protocols name only what the shared code uses of ``sqlite3`` and ``psycopg`` connections.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import attrs


@attrs.frozen
class Dialect:
    """What differs between the databases in the statements the shared code writes."""

    #: The database's name, as people write it: "SQLite", "PostgreSQL".
    name: str
    #: A parameter placeholder.
    param: str
    #: A placeholder for a parameter holding a JSON document (as text).
    json_param: str
    #: A JSON document column, read as text (``{}`` is the column): parsed documents are
    #: cached by their text, where a driver's own decoding would parse every read again.
    json_text: str
    #: Column types for JSON documents and for times.
    json_type: str
    time_type: str
    #: The column definition of a key numbered by the database as rows are inserted.
    serial_key: str
    #: A query with one parameter, a table name: a row if that table exists, none if not.
    table_exists: str
    #: What the database's library raises; the shared code turns these into RepositoryError.
    errors: tuple[type[Exception], ...]


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, query: str, params: Sequence[Any] = ..., /) -> Cursor: ...


class Connections(Protocol):
    """Where the shared code runs its statements: each database object has one."""

    @property
    def dialect(self) -> Dialect: ...

    def connection(self) -> AbstractContextManager[Connection]:
        """A connection in autocommit mode, for one or a few statements."""
        ...

    def transaction(self) -> AbstractContextManager[Connection]:
        """A connection inside a transaction, committed when the block ends and rolled back if
        it raises: for a write and its audit records together."""
        ...

    def stream(self, query: str) -> Iterator[tuple[Any, ...]]:
        """The rows of ``query``, fetched a batch at a time where the database can."""
        ...
