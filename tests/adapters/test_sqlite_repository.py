"""SqliteRepository: the repository contract, durability, and processes sharing one file."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from imagecore.adapters.sqlite_repository import SqliteRateCounter, SqliteRepository

from imagecore import RepositoryError, Slot, StoredImage, UserImages, VersionConflict
from imagecore.testing.rate_counter import RateCounterContract
from imagecore.testing.repository import PROFILE, RepositoryContract


class TestSqliteRepository(RepositoryContract):
    @pytest.fixture
    def repository(self, tmp_path: Path) -> Iterator[SqliteRepository]:
        repository = SqliteRepository(tmp_path / "images.db")
        yield repository
        repository.close()


def test_images_survive_reopening(tmp_path: Path) -> None:
    """What one repository saved, another opened on the same file reads."""
    first = SqliteRepository(tmp_path / "images.db")
    saved = first.save("u1", UserImages(profile_image=PROFILE))
    first.close()
    assert SqliteRepository(tmp_path / "images.db").get("u1") == saved


def test_the_database_runs_in_wal_mode(tmp_path: Path) -> None:
    """WAL lets readers go on while a writer commits."""
    SqliteRepository(tmp_path / "images.db").get("x")
    with sqlite3.connect(tmp_path / "images.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    """A database written by a newer imagecore is not touched."""
    with sqlite3.connect(tmp_path / "images.db") as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(RepositoryError, match="schema version 99"):
        SqliteRepository(tmp_path / "images.db")


def test_an_unusable_path_is_a_repository_error(tmp_path: Path) -> None:
    """A path that cannot hold a database fails with RepositoryError naming it."""
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(RepositoryError, match="cannot open the database"):
        SqliteRepository(tmp_path / "file" / "images.db")


def _race(path: str, n: int, barrier: multiprocessing.synchronize.Barrier) -> str:  # type: ignore[name-defined]
    repository = SqliteRepository(path)
    base = repository.get("u1")
    image = StoredImage(f"resume/images/profile_1_{n}.png", "image/png", 1, 1, 1)
    barrier.wait()
    try:
        repository.save("u1", base.with_image(Slot.PROFILE, image))
    except VersionConflict:
        return "lost"
    return "won"


def test_worker_processes_racing_on_one_file_produce_one_winner(tmp_path: Path) -> None:
    """Several processes saving on the same version: exactly one commits."""
    path = str(tmp_path / "images.db")
    SqliteRepository(path).save("u1", UserImages())
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(4)
        with context.Pool(4) as pool:
            outcomes = pool.starmap(_race, [(path, n, barrier) for n in range(4)])
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    assert SqliteRepository(path).get("u1").version == 2


class TestSqliteRateCounter(RateCounterContract):
    @pytest.fixture
    def counter(self, tmp_path: Path) -> Iterator[SqliteRateCounter]:
        repository = SqliteRepository(tmp_path / "images.db")
        yield repository.rate_counter()
        repository.close()


def test_rate_counts_are_shared_by_every_process_on_the_file(tmp_path: Path) -> None:
    """Two repositories on one file (two workers) add to the same counts."""
    one, two = SqliteRepository(tmp_path / "db"), SqliteRepository(tmp_path / "db")
    assert one.rate_counter().hit("k", 1, 4e9) == 1
    assert two.rate_counter().hit("k", 1, 4e9) == 2


def test_a_version_1_database_is_migrated(tmp_path: Path) -> None:
    """A database made by the first schema gains the rate counts table and keeps its rows."""
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute(
            "CREATE TABLE user_images (user_id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT "
            "NULL, profile_image TEXT, cover_image TEXT)"
        )
        db.execute("INSERT INTO user_images VALUES ('u', 3, NULL, NULL)")
        db.execute("PRAGMA user_version = 1")
    repository = SqliteRepository(tmp_path / "old.db")
    assert repository.get("u") == UserImages(version=3)
    assert repository.rate_counter().hit("k", 1, 4e9) == 1


def _open(path: str, barrier: multiprocessing.synchronize.Barrier) -> str:  # type: ignore[name-defined]
    barrier.wait()
    try:
        SqliteRepository(path).get("u")
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


def test_expired_rate_counts_are_forgotten(tmp_path: Path) -> None:
    """Now and then a hit clears the counts whose window has ended; current ones stay."""
    repository = SqliteRepository(tmp_path / "db")
    counter = repository.rate_counter()
    counter.hit("old", 1, expires=1.0)
    for _ in range(600):
        counter.hit("current", 2, expires=4e9)
    with sqlite3.connect(tmp_path / "db") as db:
        rows = db.execute("SELECT key, count FROM rate_counts ORDER BY key").fetchall()
    assert rows == [("current", 600)]
