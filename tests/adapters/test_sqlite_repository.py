"""SqliteDatabase: the port contracts, durability, processes sharing one file, and migrations."""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from imagecore.adapters.sql import SCHEMA_VERSION, SqliteDatabase, SqlRateCounter, SqlRepository
from imagecore.errors import RepositoryError, VersionConflict
from imagecore.model import Slot, StoredImage, UserImages
from imagecore.testing.rate_counter import RateCounterContract
from imagecore.testing.repository import PROFILE, RepositoryContract
from tests.adapters.sql_tables import TABLES


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SqliteDatabase]:
    """A new SQLite database in a file of this test's own."""
    with closing(SqliteDatabase(tmp_path / "images.db")) as database:
        yield database


class TestSqliteRepository(RepositoryContract):
    @pytest.fixture
    def repository(self, database: SqliteDatabase) -> SqlRepository:
        return database.repository


class TestSqliteRateCounter(RateCounterContract):
    @pytest.fixture
    def counter(self, database: SqliteDatabase) -> SqlRateCounter:
        return database.rate_counter


def run(path: Path, *statements: str) -> list[tuple[object, ...]]:
    """Run ``statements`` on the file at ``path``, each in its own transaction; the last one's
    rows."""
    rows: list[tuple[object, ...]] = []
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        for statement in statements:
            rows = db.execute(statement).fetchall()
    return rows


def tables(path: Path) -> dict[str, list[str]]:
    """Each table in the file at ``path``, with its columns in order."""
    with closing(sqlite3.connect(path)) as db:
        # Not SQLite's own (sqlite_sequence, which AUTOINCREMENT keys need).
        names = [
            n
            for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not n.startswith("sqlite_")
        ]
        return {n: [c[1] for c in db.execute(f'PRAGMA table_info("{n}")')] for n in names}


def pragma(path: Path, name: str) -> object:
    """The value of PRAGMA ``name`` in the file at ``path``."""
    return run(path, f"PRAGMA {name}")[0][0]


#: The statements of the imagecore before the shared schema, as it ran them, by version.
OLD_MIGRATIONS = {
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


def old_file(path: Path, version: int) -> None:
    """A file as the imagecore before the shared schema left it at ``version``, with a user at
    version 3 and, from version 2, a count of 4 for key "k" in window 1."""
    image = '{"key":"resume/images/p.png","media_type":"image/png","width":1,"height":2,"size":3}'
    statements = ["PRAGMA journal_mode = WAL", OLD_MIGRATIONS[1]]
    statements.append(f"INSERT INTO user_images VALUES ('u', 3, '{image}', NULL)")
    if version == 2:
        statements += [OLD_MIGRATIONS[2], "INSERT INTO rate_counts VALUES ('k', 1, 4, 4e9)"]
    run(path, *statements, f"PRAGMA user_version = {version}")


def test_the_tables_have_the_shared_names(database: SqliteDatabase) -> None:
    """A new file holds the imagecore_ tables, with the same columns as in PostgreSQL."""
    assert tables(database.path) == TABLES


def test_images_survive_reopening(tmp_path: Path) -> None:
    """What one database object saved, another opened on the same file reads."""
    with closing(SqliteDatabase(tmp_path / "images.db")) as first:
        saved = first.repository.save("u1", UserImages(profile_image=PROFILE))
    with closing(SqliteDatabase(tmp_path / "images.db")) as second:
        assert second.repository.get("u1") == saved


def test_the_database_runs_in_wal_mode(database: SqliteDatabase) -> None:
    """WAL lets readers go on while a writer commits."""
    database.repository.get("x")
    assert pragma(database.path, "journal_mode") == "wal"


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    """A database written by a newer imagecore is not touched, whichever way it says so."""
    run(tmp_path / "old-style.db", "PRAGMA user_version = 99")
    with pytest.raises(RepositoryError, match="schema version 99"):
        SqliteDatabase(tmp_path / "old-style.db")
    SqliteDatabase(tmp_path / "new.db").close()
    run(tmp_path / "new.db", "INSERT INTO imagecore_schema VALUES (98)")
    with pytest.raises(RepositoryError, match="schema version 98"):
        SqliteDatabase(tmp_path / "new.db")


def test_an_unusable_path_is_a_repository_error(tmp_path: Path) -> None:
    """A path that cannot hold a database fails with RepositoryError naming it."""
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(RepositoryError, match="cannot open the database"):
        SqliteDatabase(tmp_path / "file" / "images.db")


def _race(path: str, n: int, barrier: threading.Barrier) -> str:
    with closing(SqliteDatabase(path)) as database:
        base = database.repository.get("u1")
        image = StoredImage(f"resume/images/profile_1_{n}.png", "image/png", 1, 1, 1)
        barrier.wait()
        try:
            database.repository.save("u1", base.with_image(Slot.PROFILE, image))
        except VersionConflict:
            return "lost"
        return "won"


def test_worker_processes_racing_on_one_file_produce_one_winner(tmp_path: Path) -> None:
    """Several processes saving on the same version: exactly one commits."""
    path = str(tmp_path / "images.db")
    with closing(SqliteDatabase(path)) as database:
        database.repository.save("u1", UserImages())
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(4)
        with context.Pool(4) as pool:
            outcomes = pool.starmap(_race, [(path, n, barrier) for n in range(4)])
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    with closing(SqliteDatabase(path)) as database:
        assert database.repository.get("u1").version == 2


def test_rate_counts_are_shared_by_every_process_on_the_file(tmp_path: Path) -> None:
    """Two database objects on one file (two workers) add to the same counts."""
    with (
        closing(SqliteDatabase(tmp_path / "db")) as one,
        closing(SqliteDatabase(tmp_path / "db")) as two,
    ):
        assert one.rate_counter.hit("k", 1, 4e9) == 1
        assert two.rate_counter.hit("k", 1, 4e9) == 2


def _open(path: str, barrier: threading.Barrier) -> str:
    barrier.wait()
    try:
        with closing(SqliteDatabase(path)) as database:
            database.repository.get("u")
    except RepositoryError as error:
        return str(error)
    return "ok"


def test_workers_opening_a_new_database_together_all_succeed(tmp_path: Path) -> None:
    """Eight processes creating the same new database at once: none fails as locked."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(8)
        with context.Pool(8) as pool:
            outcomes = pool.starmap(_open, [(str(tmp_path / "new.db"), barrier)] * 8)
    assert outcomes == ["ok"] * 8


def test_expired_rate_counts_are_forgotten(database: SqliteDatabase) -> None:
    """Now and then a hit clears the counts whose window has ended; current ones stay."""
    database.rate_counter.hit("old", 1, expires=1.0)
    for _ in range(600):
        database.rate_counter.hit("current", 2, expires=4e9)
    rows = run(database.path, "SELECT key, count FROM imagecore_rate_counts ORDER BY key")
    assert rows == [("current", 600)]


@pytest.mark.parametrize("version", [1, 2])
def test_a_file_of_the_older_schema_is_migrated(tmp_path: Path, version: int) -> None:
    """A file of the schema before the shared one gets the shared names and keeps its rows."""
    old_file(tmp_path / "old.db", version)
    with closing(SqliteDatabase(tmp_path / "old.db")) as database:
        images = database.repository.get("u")
        assert images.version == 3
        assert images.profile_image == StoredImage("resume/images/p.png", "image/png", 1, 2, 3)
        assert list(database.repository.references()) == ["resume/images/p.png"]
        assert database.repository.save("u", images).version == 4
        counted_before = 4 if version == 2 else 0
        assert database.rate_counter.hit("k", 1, 4e9) == counted_before + 1
    assert tables(tmp_path / "old.db") == TABLES
    recorded = run(tmp_path / "old.db", "SELECT version FROM imagecore_schema ORDER BY version")
    assert recorded == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


def test_the_older_imagecore_refuses_a_file_of_the_shared_schema(
    database: SqliteDatabase,
) -> None:
    """user_version is set above 2, so the imagecore of before reports a newer schema instead
    of starting an empty database beside the renamed tables."""
    version = pragma(database.path, "user_version")
    assert isinstance(version, int) and version > 2


def test_without_create_a_missing_file_is_refused(tmp_path: Path) -> None:
    """With create=False no file is made: a missing one is a RepositoryError."""
    with pytest.raises(RepositoryError, match="there is no database"):
        SqliteDatabase(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_without_create_a_file_without_the_tables_is_refused_and_untouched(
    tmp_path: Path,
) -> None:
    """With create=False a file holding no imagecore tables is refused and left as it was."""
    run(tmp_path / "other.db", "CREATE TABLE other (x)")
    with pytest.raises(RepositoryError, match="no imagecore tables"):
        SqliteDatabase(tmp_path / "other.db", create=False)
    assert tables(tmp_path / "other.db") == {"other": ["x"]}
    assert pragma(tmp_path / "other.db", "journal_mode") == "delete"
    assert pragma(tmp_path / "other.db", "user_version") == 0


def test_without_create_a_file_of_the_older_schema_is_refused_and_untouched(
    tmp_path: Path,
) -> None:
    """With create=False a file of the older schema is not migrated: it is refused."""
    old_file(tmp_path / "old.db", 1)
    with pytest.raises(RepositoryError, match="older imagecore"):
        SqliteDatabase(tmp_path / "old.db", create=False)
    assert list(tables(tmp_path / "old.db")) == ["user_images"]
    assert pragma(tmp_path / "old.db", "user_version") == 1


def test_without_create_a_current_file_is_used(tmp_path: Path) -> None:
    """With create=False a file holding the current tables reads and writes as usual."""
    with closing(SqliteDatabase(tmp_path / "images.db")) as database:
        saved = database.repository.save("u1", UserImages(profile_image=PROFILE))
    with closing(SqliteDatabase(tmp_path / "images.db", create=False)) as database:
        assert database.repository.get("u1") == saved
        assert list(database.repository.references()) == [PROFILE.key]


def test_every_thread_has_a_connection_and_close_ends_them_all(tmp_path: Path) -> None:
    """Each thread reads through its own connection; close() closes those of every thread."""
    database = SqliteDatabase(tmp_path / "images.db")
    database.repository.get("u")
    worker = threading.Thread(target=database.repository.get, args=("u",))
    worker.start()
    worker.join()
    assert pragma(tmp_path / "images.db", "journal_mode") == "wal"
    database.close()
    # With every connection closed, the last one out checkpoints and removes the WAL file.
    assert not (tmp_path / "images.db-wal").exists()


def test_a_read_that_would_wait_for_the_file_leaves_the_event_loop_free(tmp_path: Path) -> None:
    """Another connection holds the file (exclusive locking mode, after a write) for a second:
    the reader's read on the loop is refused at once and waits on a thread, so the loop keeps
    running meanwhile (it stood still for the whole wait), and the read then answers."""
    with closing(SqliteDatabase(tmp_path / "images.db")) as database:
        database.repository.save("ann", UserImages(profile_image=PROFILE))
        reader = database.reader
        database.close()  # its connections, which would keep the holder from its lock

        async def scenario() -> tuple[UserImages, int]:
            holder = sqlite3.connect(tmp_path / "images.db", isolation_level=None)
            holder.execute("PRAGMA locking_mode = EXCLUSIVE")
            holder.execute("BEGIN EXCLUSIVE")
            holder.execute("CREATE TABLE held (x)")
            holder.execute("COMMIT")  # the lock stays: exclusive locking mode
            await reader.open()
            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            ticker = asyncio.ensure_future(tick())
            await asyncio.sleep(0.05)
            ticks = 0
            asyncio.get_running_loop().call_later(1.0, holder.close)
            try:
                images = await reader.get("ann")
            finally:
                ticker.cancel()
                await reader.close()
            return images, ticks

        images, ticks = asyncio.run(scenario())
    assert images.profile_image == PROFILE
    assert ticks >= 20  # the loop ran while the read waited
