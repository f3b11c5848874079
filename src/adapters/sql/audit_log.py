"""The audit log in the same SQL database as the images: rows only ever inserted (by the
stores, in their writes' transactions) and deleted when old.

Times are ISO 8601 text in UTC, the same in every database, so that they sort as they read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from imagecore.adapters.sql.seam import Connection, Connections, Dialect
from imagecore.audit import Action, Actor, AuditRecord, Role
from imagecore.errors import RepositoryError
from imagecore.model import Slot
from imagecore.ports import AuditLog

AUDIT_LOG = "imagecore_audit_log"

#: The columns of a record, in the order every statement here writes and reads them.
_COLUMNS = (
    "at, actor_role, actor_name, action, user_id, slot, "
    "before_key, after_key, before_hash, after_hash, detail"
)


def create_audit_log(dialect: Dialect) -> tuple[str, ...]:
    """The statements that make the table; its indexes serve a user's history in order, and
    the pruning by age."""
    table = f"""
    CREATE TABLE IF NOT EXISTS {AUDIT_LOG} (
        id {dialect.serial_key},
        at text NOT NULL,
        actor_role text NOT NULL,
        actor_name text NOT NULL,
        action text NOT NULL,
        user_id text NOT NULL,
        slot text,
        before_key text,
        after_key text,
        before_hash text,
        after_hash text,
        detail text NOT NULL
    )
    """
    return (
        table,
        f"CREATE INDEX IF NOT EXISTS {AUDIT_LOG}_user ON {AUDIT_LOG} (user_id, id)",
        f"CREATE INDEX IF NOT EXISTS {AUDIT_LOG}_at ON {AUDIT_LOG} (at)",
    )


def append(connection: Connection, dialect: Dialect, records: Sequence[AuditRecord]) -> None:
    """Insert ``records``, on the connection (and in the transaction) of the change they tell
    of."""
    p = dialect.param
    insert = f"INSERT INTO {AUDIT_LOG} ({_COLUMNS}) VALUES ({', '.join([p] * 11)})"
    for record in records:
        connection.execute(insert, _row(record))


class SqlAuditLog(AuditLog):
    """Reads and prunes the ``imagecore_audit_log`` table the SQL stores append to."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections
        self._errors = connections.dialect.errors
        p = connections.dialect.param
        self._history = f"SELECT {_COLUMNS} FROM {AUDIT_LOG} WHERE user_id = {p} ORDER BY id"
        self._prune = f"DELETE FROM {AUDIT_LOG} WHERE at < {p}"

    def history(self, user_id: str) -> list[AuditRecord]:
        try:
            with self._connections.connection() as connection:
                rows = connection.execute(self._history, (user_id,)).fetchall()
        except self._errors as error:
            raise RepositoryError(f"cannot read the audit log: {error}") from error
        return [_record(row) for row in rows]

    def prune(self, before: datetime) -> int:
        try:
            with self._connections.connection() as connection:
                return connection.execute(self._prune, (_time(before),)).rowcount
        except self._errors as error:
            raise RepositoryError(f"cannot prune the audit log: {error}") from error


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _row(record: AuditRecord) -> tuple[Any, ...]:
    return (
        _time(record.at),
        record.actor.role.value,
        record.actor.name,
        record.action.value,
        record.user_id,
        record.slot.value if record.slot else None,
        record.before_key,
        record.after_key,
        record.before_hash,
        record.after_hash,
        record.detail,
    )


def _record(row: Sequence[Any]) -> AuditRecord:
    at, role, name, action, user_id, slot, before_key, after_key, before, after, detail = row
    return AuditRecord(
        at=datetime.fromisoformat(at),
        actor=Actor(Role(role), name),
        action=Action(action),
        user_id=user_id,
        slot=Slot(slot) if slot else None,
        before_key=before_key,
        after_key=after_key,
        before_hash=before,
        after_hash=after,
        detail=detail,
    )
