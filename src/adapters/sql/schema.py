"""The tables, the same in every database, and the one migrations runner.

A database's schema version is the highest row of ``imagecore_schema``; each version's migration
runs once, in order. The caller holds the database's migration lock (an exclusive transaction)
around :func:`migrate`, so that workers starting together migrate one after the other.
"""

from __future__ import annotations

from collections.abc import Callable

from imagecore.adapters.sql.audit_log import create_audit_log
from imagecore.adapters.sql.blocklist import create_blocklist
from imagecore.adapters.sql.reports import create_reports
from imagecore.adapters.sql.seam import Connection, Dialect
from imagecore.errors import RepositoryError

SCHEMA_VERSION = 5

USER_IMAGES = "imagecore_user_images"
RATE_COUNTS = "imagecore_rate_counts"
VERSIONS = "imagecore_schema"

#: Each version's statement ({json} and {time} are the dialect's column types), or a function
#: giving its statements in the dialect.
MIGRATIONS: dict[int, str | Callable[[Dialect], tuple[str, ...]]] = {
    1: f"""
    CREATE TABLE IF NOT EXISTS {USER_IMAGES} (
        user_id text PRIMARY KEY NOT NULL,
        version bigint NOT NULL,
        profile_image {{json}},
        cover_image {{json}},
        updated_at {{time}} NOT NULL DEFAULT CURRENT_TIMESTAMP
    )
    """,
    2: f"""
    CREATE TABLE IF NOT EXISTS {RATE_COUNTS} (
        key text NOT NULL,
        window_number bigint NOT NULL,
        count integer NOT NULL,
        expires double precision NOT NULL,
        PRIMARY KEY (key, window_number)
    )
    """,
    3: create_audit_log,
    4: create_reports,
    5: create_blocklist,
}


def migrate(
    connection: Connection, dialect: Dialect, *, create: bool, upgrade: bool | None = None
) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`: create the tables (with ``create``) or bring
    an older schema up to date (with ``upgrade``, which defaults to ``create``).

    Refuses (RepositoryError) a schema newer than this imagecore knows, and what it was not
    allowed to do: a database with no imagecore tables without ``create``, an older schema
    without ``upgrade``; then it writes nothing at all.
    """
    upgrade = create if upgrade is None else upgrade
    found = schema_version(connection, dialect)
    if found > SCHEMA_VERSION:
        raise newer_schema(found)
    if found == SCHEMA_VERSION:
        return
    if found == 0 and not create:
        raise RepositoryError(
            f"no imagecore tables in this {dialect.name} database: is it the one the server "
            "uses? (The server creates them when it starts.)"
        )
    if not upgrade:
        raise RepositoryError(
            f"the database has schema version {found}; this imagecore needs {SCHEMA_VERSION}: "
            "open it with create=True (the server does when it starts) to migrate it"
        )
    if found == 0:
        connection.execute(f"CREATE TABLE IF NOT EXISTS {VERSIONS} (version integer NOT NULL)")
    for version in range(found + 1, SCHEMA_VERSION + 1):
        migration = MIGRATIONS[version]
        statements = (
            (migration.format(json=dialect.json_type, time=dialect.time_type),)
            if isinstance(migration, str)
            else migration(dialect)
        )
        for statement in statements:
            connection.execute(statement)
        connection.execute(f"INSERT INTO {VERSIONS} (version) VALUES ({dialect.param})", (version,))


def schema_version(connection: Connection, dialect: Dialect) -> int:
    """The schema version recorded in the database; 0 if it has none."""
    if not has_table(connection, dialect, VERSIONS):
        return 0
    row = connection.execute(f"SELECT max(version) FROM {VERSIONS}").fetchone()
    return int((row[0] if row else None) or 0)


def has_table(connection: Connection, dialect: Dialect, table: str) -> bool:
    return connection.execute(dialect.table_exists, (table,)).fetchone() is not None


def newer_schema(found: int) -> RepositoryError:
    return RepositoryError(
        f"the database has schema version {found}; this imagecore knows up to {SCHEMA_VERSION}: "
        "upgrade imagecore"
    )
