"""The audit log and the reports on every backend: in memory, SQLite and PostgreSQL, each
appending to the log in its writes' transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from imagecore.adapters.memory_repository import (
    MemoryAuditLog,
    MemoryBlocklist,
    MemoryReports,
    MemoryRepository,
)
from imagecore.adapters.sql import SqliteDatabase
from imagecore.testing.moderation import AuditLogContract, ReportsContract, Stores


class MemoryStores:
    @pytest.fixture
    def stores(self) -> Stores:
        log = MemoryAuditLog()
        return Stores(
            MemoryRepository(log), log, MemoryReports(log), MemoryBlocklist(audit_log=log)
        )


class TestMemoryAuditLog(MemoryStores, AuditLogContract):
    pass


class TestMemoryReports(MemoryStores, ReportsContract):
    pass


class SqliteStores:
    @pytest.fixture
    def stores(self, tmp_path: Path) -> Iterator[Stores]:
        with closing(SqliteDatabase(tmp_path / "images.db")) as db:
            yield Stores(db.repository, db.audit_log, db.reports, db.blocklist)


class TestSqliteAuditLog(SqliteStores, AuditLogContract):
    pass


class TestSqliteReports(SqliteStores, ReportsContract):
    pass


class PostgresStores:
    @pytest.fixture
    def stores(self, postgres_url: str) -> Iterator[Stores]:
        from imagecore.adapters.sql import PostgresDatabase

        with closing(PostgresDatabase(postgres_url)) as db:
            yield Stores(db.repository, db.audit_log, db.reports, db.blocklist)


class TestPostgresAuditLog(PostgresStores, AuditLogContract):
    pass


class TestPostgresReports(PostgresStores, ReportsContract):
    pass
