"""Users' reports in the same SQL database as the images, each written with its audit record.

A reporter's open report on an image is unique (a partial index): the database, not a read
before the write, refuses the second, so two racing requests cannot both open one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from imagecore.adapters.sql import audit_log
from imagecore.adapters.sql.seam import Connections, Dialect
from imagecore.audit import AuditRecord
from imagecore.errors import RepositoryError
from imagecore.model import Slot
from imagecore.moderation_errors import AlreadyReported
from imagecore.ports import Reports
from imagecore.reports import Report, ReportReason

REPORTS = "imagecore_reports"

_COLUMNS = "reporter, owner, slot, image_key, reason, note, created_at"


def create_reports(dialect: Dialect) -> tuple[str, ...]:
    """The statements that make the table and its indexes."""
    table = f"""
    CREATE TABLE IF NOT EXISTS {REPORTS} (
        id {dialect.serial_key},
        reporter text NOT NULL,
        owner text NOT NULL,
        slot text NOT NULL,
        image_key text NOT NULL,
        reason text NOT NULL,
        note text NOT NULL,
        created_at text NOT NULL,
        closed_at text
    )
    """
    return (
        table,
        f"CREATE UNIQUE INDEX IF NOT EXISTS {REPORTS}_one_open ON {REPORTS} "
        "(reporter, owner, slot, image_key) WHERE closed_at IS NULL",
        f"CREATE INDEX IF NOT EXISTS {REPORTS}_open ON {REPORTS} (owner, slot) "
        "WHERE closed_at IS NULL",
    )


class SqlReports(Reports):
    """Reports in the ``imagecore_reports`` table; closing one keeps its row, dated."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections
        self._errors = connections.dialect.errors
        p = connections.dialect.param
        self._file = (
            f"INSERT INTO {REPORTS} ({_COLUMNS}) VALUES ({', '.join([p] * 7)}) "
            "ON CONFLICT (reporter, owner, slot, image_key) WHERE closed_at IS NULL DO NOTHING"
        )
        self._open = (
            f"SELECT {_COLUMNS} FROM {REPORTS} WHERE closed_at IS NULL ORDER BY created_at, id"
        )
        self._close = (
            f"UPDATE {REPORTS} SET closed_at = {p} "
            f"WHERE owner = {p} AND slot = {p} AND closed_at IS NULL"
        )
        self._close_key = f"{self._close} AND image_key = {p}"

    def file(self, report: Report, records: Sequence[AuditRecord] = ()) -> None:
        try:
            with self._connections.transaction() as connection:
                if connection.execute(self._file, _row(report)).rowcount != 1:
                    raise AlreadyReported(report.slot)
                audit_log.append(connection, self._connections.dialect, records)
        except self._errors as error:
            raise RepositoryError(f"cannot store a report: {error}") from error

    def open(self) -> list[Report]:
        try:
            with self._connections.connection() as connection:
                rows = connection.execute(self._open).fetchall()
        except self._errors as error:
            raise RepositoryError(f"cannot read the reports: {error}") from error
        return [_report(row) for row in rows]

    def close(
        self,
        owner: str,
        slot: Slot,
        records: Sequence[AuditRecord] = (),
        *,
        key: str | None = None,
    ) -> int:
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        statement, params = (
            (self._close, (now, owner, slot.value))
            if key is None
            else (self._close_key, (now, owner, slot.value, key))
        )
        try:
            with self._connections.transaction() as connection:
                closed = connection.execute(statement, params).rowcount
                if closed:
                    audit_log.append(connection, self._connections.dialect, records)
        except self._errors as error:
            raise RepositoryError(f"cannot close reports: {error}") from error
        return closed


def _row(report: Report) -> tuple[Any, ...]:
    return (
        report.reporter,
        report.owner,
        report.slot.value,
        report.key,
        report.reason.value,
        report.note,
        report.at.astimezone(UTC).isoformat(timespec="microseconds"),
    )


def _report(row: Sequence[Any]) -> Report:
    reporter, owner, slot, key, reason, note, at = row
    return Report(
        reporter, owner, Slot(slot), key, ReportReason(reason), note, datetime.fromisoformat(at)
    )
