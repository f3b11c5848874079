"""PostgresDatabase against a real PostgreSQL: the port contracts, migrations, sharing."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any, TypeVar

import psycopg
import pytest

from imagecore.adapters.sql import SCHEMA_VERSION, PostgresDatabase, SqlRateCounter, SqlRepository
from imagecore.adapters.sql.postgres import POSTGRES
from imagecore.adapters.sql.postgres_reader import AsyncPostgresReader
from imagecore.errors import RepositoryError
from imagecore.model import UserImages
from imagecore.testing.rate_counter import RateCounterContract
from imagecore.testing.repository import PROFILE, RepositoryContract
from tests.adapters.sql_tables import TABLES

T = TypeVar("T")


@pytest.fixture
def database(postgres_url: str) -> Iterator[PostgresDatabase]:
    """A PostgreSQL database object on a schema of this test's own."""
    with closing(PostgresDatabase(postgres_url)) as database:
        yield database


class TestPostgresRepository(RepositoryContract):
    @pytest.fixture
    def repository(self, database: PostgresDatabase) -> SqlRepository:
        return database.repository


class TestPostgresRateCounter(RateCounterContract):
    @pytest.fixture
    def counter(self, database: PostgresDatabase) -> SqlRateCounter:
        return database.rate_counter


def tables(url: str) -> dict[str, list[str]]:
    """Each table of the schema ``url`` works in, with its columns in order."""
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT table_name::text, column_name::text FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ).fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def test_the_tables_have_the_shared_names(database: PostgresDatabase, postgres_url: str) -> None:
    """The imagecore_ tables, with the same columns as in SQLite."""
    assert tables(postgres_url) == TABLES


def test_images_are_shared_by_separate_pools(postgres_url: str) -> None:
    """Two database objects (two workers, or two machines) see each other's writes."""
    with (
        closing(PostgresDatabase(postgres_url)) as one,
        closing(PostgresDatabase(postgres_url)) as two,
    ):
        saved = one.repository.save("u1", UserImages(profile_image=PROFILE))
        assert two.repository.get("u1") == saved
        assert one.rate_counter.hit("k", 1, 4e9) == 1
        assert two.rate_counter.hit("k", 1, 4e9) == 2


def test_the_schema_is_created_once_however_many_start_together(postgres_url: str) -> None:
    """Eight database objects starting at once migrate exactly once, without an error."""
    errors: list[BaseException] = []
    databases: list[PostgresDatabase] = []
    start = threading.Barrier(8)

    def open_one() -> None:
        start.wait()
        try:
            databases.append(PostgresDatabase(postgres_url, pool_size=1))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for database in databases:
        database.close()
    assert errors == []
    with psycopg.connect(postgres_url) as db:
        rows = db.execute("SELECT version FROM imagecore_schema ORDER BY version").fetchall()
        assert rows == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    """A database migrated by a newer imagecore is not touched."""
    PostgresDatabase(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("INSERT INTO imagecore_schema VALUES (99)")
    with pytest.raises(RepositoryError, match="schema version 99"):
        PostgresDatabase(postgres_url)


def test_an_unreachable_server_is_a_repository_error() -> None:
    """A database nobody answers for fails fast with RepositoryError."""
    with pytest.raises(RepositoryError, match="cannot use the PostgreSQL database"):
        PostgresDatabase("postgresql://nobody@127.0.0.1:1/none", timeout=2)


# Ends every imagecore connection to the server: no other test's may be open meanwhile.
@pytest.mark.serial
def test_connections_the_server_dropped_are_replaced(postgres_url: str) -> None:
    """After the server ends the pool's connections (a restart, a failover), reads still work."""
    with closing(PostgresDatabase(postgres_url, pool_size=3)) as database:
        saved = database.repository.save("u1", UserImages(profile_image=PROFILE))
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'imagecore'"
            ).fetchall()
        assert ended
        assert [database.repository.get("u1") for _ in range(5)] == [saved] * 5


def test_closing_the_database_closes_what_both_ports_use(postgres_url: str) -> None:
    """The repository and the rate counter share one pool; after close() both fail cleanly."""
    database = PostgresDatabase(postgres_url)
    database.close()
    with pytest.raises(RepositoryError):
        database.repository.get("u1")
    with pytest.raises(RepositoryError):
        database.rate_counter.hit("k", 1, 4e9)


def test_without_create_an_empty_database_is_refused_and_untouched(postgres_url: str) -> None:
    """With create=False (gc, check) a database with no imagecore tables is refused, and no
    table appears in it."""
    with pytest.raises(RepositoryError, match="no imagecore tables"):
        PostgresDatabase(postgres_url, create=False)
    assert tables(postgres_url) == {}


def test_without_create_an_older_schema_is_refused_and_not_migrated(postgres_url: str) -> None:
    """With create=False a database at an older schema version is refused as it is."""
    PostgresDatabase(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("DROP TABLE imagecore_rate_counts")
        db.execute("DELETE FROM imagecore_schema WHERE version > 1")
    with pytest.raises(RepositoryError, match="schema version 1"):
        PostgresDatabase(postgres_url, create=False)
    assert "imagecore_rate_counts" not in tables(postgres_url)


def test_without_create_a_current_database_is_used(postgres_url: str) -> None:
    """With create=False a database holding the current tables reads as usual."""
    with closing(PostgresDatabase(postgres_url)) as database:
        saved = database.repository.save("u1", UserImages(profile_image=PROFILE))
    with closing(PostgresDatabase(postgres_url, create=False)) as database:
        assert database.repository.get("u1") == saved
        assert list(database.repository.references()) == [PROFILE.key]


def test_sqlite_needs_no_psycopg_and_postgresql_says_what_to_install() -> None:
    """Without psycopg, imagecore.adapters.sql imports and SQLite works; PostgresDatabase is an
    ImportError naming the extra to install."""
    script = """
import sys, tempfile
sys.modules["psycopg"] = None
from imagecore.adapters.sql import SqliteDatabase
with tempfile.TemporaryDirectory() as folder:
    SqliteDatabase(f"{folder}/images.db").close()
try:
    from imagecore.adapters.sql import PostgresDatabase
except ImportError as error:
    print(error)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert "pip install 'imagecore[postgres]'" in done.stdout


def test_the_async_reader_reads_what_the_repository_wrote(database: PostgresDatabase) -> None:
    """The reads the HTTP adapter makes on its event loop give what the repository stored."""
    saved = database.repository.save("u1", UserImages(profile_image=PROFILE))

    async def read() -> tuple[UserImages, UserImages]:
        await database.reader.open()
        try:
            return await database.reader.get("u1"), await database.reader.get("nobody")
        finally:
            await database.reader.close()

    assert in_a_thread(read) == (saved, UserImages())


def test_the_async_reader_says_when_it_cannot_read(postgres_url: str) -> None:
    with closing(PostgresDatabase(postgres_url)) as database:
        database.repository.save("u1", UserImages(profile_image=PROFILE))
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("DROP TABLE imagecore_user_images")

        async def read() -> UserImages:
            await database.reader.open()
            try:
                return await database.reader.get("u1")
            finally:
                await database.reader.close()

        with pytest.raises(RepositoryError, match="cannot read images of a user"):
            in_a_thread(read)


def in_a_thread(run: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(run())`` on a thread of its own, away from any loop of the test runner's."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


# Ends every imagecore connection to the server: no other test's may be open meanwhile.
@pytest.mark.serial
def test_the_async_reader_reads_on_after_its_connections_are_dropped(
    database: PostgresDatabase, postgres_url: str
) -> None:
    """A server restart drops every connection: the next read is made on a fresh one."""
    saved = database.repository.save("u1", UserImages(profile_image=PROFILE))

    async def read_around_a_drop() -> list[UserImages]:
        await database.reader.open()
        try:
            # Three connections in the pool, all idle once these reads are done.
            before = await asyncio.gather(*(database.reader.get("u1") for _ in range(3)))
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                dropped = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'imagecore' AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend' AND state = 'idle'"
                ).fetchone()
            assert dropped is not None and dropped[0] >= 3
            return [*before, await database.reader.get("u1"), await database.reader.get("u1")]
        finally:
            await database.reader.close()

    assert in_a_thread(read_around_a_drop) == [saved] * 5


def test_a_read_past_its_time_is_refused_and_its_connection_not_lent_again(
    database: PostgresDatabase, postgres_url: str
) -> None:
    """A read that gets no answer in time is a RepositoryError; the connection it left mid-query
    is closed, and the next read, on a fresh one, is answered."""
    saved = database.repository.save("u1", UserImages(profile_image=PROFILE))
    reader = AsyncPostgresReader(postgres_url, POSTGRES, pool_size=1, timeout=0.5)

    async def slow_then_normal() -> UserImages:
        await reader.open()
        try:
            normal = reader._get
            reader._get = (
                "SELECT 1, NULL::text, NULL::text FROM pg_sleep(5) WHERE %s::text IS NOT NULL"
            )
            with pytest.raises(RepositoryError, match=r"no answer from PostgreSQL within 0\.5 s"):
                await reader.get("u1")
            reader._get = normal
            return await reader.get("u1")
        finally:
            await reader.close()

    assert in_a_thread(slow_then_normal) == saved


def test_the_async_reader_refuses_to_read_before_it_is_opened(database: PostgresDatabase) -> None:
    async def read() -> UserImages:
        return await database.reader.get("u1")

    with pytest.raises(RepositoryError, match="not open"):
        in_a_thread(read)
