"""The images and rate counts in a SQL database: SQLite (standard library) or PostgreSQL.

Each database object owns its connections and hands out both ports::

    database = SqliteDatabase("var/imagecore.db")       # or PostgresDatabase("postgresql://...")
    slots = ImageSlots(storage, database.repository, codec)
    throttle = Throttle(database.rate_counter)
    ...
    database.close()

The two share their tables, statements and migrations; the modules ``sqlite`` and ``postgres``
hold what differs. :class:`PostgresDatabase` needs ``pip install 'imagecore[postgres]'``; it is
imported only when first used, so SQLite works without psycopg.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imagecore.adapters.sql.rate_counter import SqlRateCounter
from imagecore.adapters.sql.repository import SqlRepository
from imagecore.adapters.sql.schema import SCHEMA_VERSION
from imagecore.adapters.sql.seam import Dialect
from imagecore.adapters.sql.sqlite import SqliteDatabase

if TYPE_CHECKING:
    from imagecore.adapters.sql.postgres import PostgresDatabase

__all__ = [
    "SCHEMA_VERSION",
    "Dialect",
    "PostgresDatabase",
    "SqlRateCounter",
    "SqlRepository",
    "SqliteDatabase",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresDatabase":
        from imagecore.adapters.sql.postgres import PostgresDatabase

        return PostgresDatabase
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
