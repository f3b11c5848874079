"""PostgresRepository against a real PostgreSQL: the repository contract, migrations, sharing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg
import pytest
from imagecore.adapters.postgres_repository import (
    SCHEMA_VERSION,
    PostgresRateCounter,
    PostgresRepository,
)

from imagecore import RepositoryError, UserImages
from imagecore.testing.rate_counter import RateCounterContract
from imagecore.testing.repository import PROFILE, RepositoryContract


class TestPostgresRepository(RepositoryContract):
    @pytest.fixture
    def repository(self, postgres_url: str) -> Iterator[PostgresRepository]:
        repository = PostgresRepository(postgres_url)
        yield repository
        repository.close()


def test_images_are_shared_by_separate_pools(postgres_url: str) -> None:
    """Two repositories (two workers, or two machines) see each other's writes."""
    one, two = PostgresRepository(postgres_url), PostgresRepository(postgres_url)
    try:
        saved = one.save("u1", UserImages(profile_image=PROFILE))
        assert two.get("u1") == saved
    finally:
        one.close()
        two.close()


def test_the_schema_is_created_once_however_many_start_together(postgres_url: str) -> None:
    """Eight repositories starting at once migrate exactly once, without an error."""
    errors: list[BaseException] = []
    repositories: list[PostgresRepository] = []
    start = threading.Barrier(8)

    def open_one() -> None:
        start.wait()
        try:
            repositories.append(PostgresRepository(postgres_url, pool_size=1))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for repository in repositories:
        repository.close()
    assert errors == []
    with psycopg.connect(postgres_url) as db:
        rows = db.execute("SELECT version FROM imagecore_schema ORDER BY version").fetchall()
        assert rows == [(v,) for v in range(1, SCHEMA_VERSION + 1)]


def test_a_newer_schema_is_refused(postgres_url: str) -> None:
    """A database migrated by a newer imagecore is not touched."""
    PostgresRepository(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("INSERT INTO imagecore_schema VALUES (99)")
    with pytest.raises(RepositoryError, match="schema version 99"):
        PostgresRepository(postgres_url)


def test_an_unreachable_server_is_a_repository_error() -> None:
    """A database nobody answers for fails fast with RepositoryError."""
    with pytest.raises(RepositoryError, match="cannot use the PostgreSQL database"):
        PostgresRepository("postgresql://nobody@127.0.0.1:1/none", timeout=2)


class TestPostgresRateCounter(RateCounterContract):
    @pytest.fixture
    def counter(self, postgres_url: str) -> Iterator[PostgresRateCounter]:
        repository = PostgresRepository(postgres_url)
        yield repository.rate_counter()
        repository.close()


def test_connections_the_server_dropped_are_replaced(postgres_url: str) -> None:
    """After the server ends the pool's connections (a restart, a failover), reads still work."""
    repository = PostgresRepository(postgres_url, pool_size=3)
    try:
        saved = repository.save("u1", UserImages(profile_image=PROFILE))
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'imagecore'"
            ).fetchall()
        assert ended
        assert [repository.get("u1") for _ in range(5)] == [saved] * 5
    finally:
        repository.close()
