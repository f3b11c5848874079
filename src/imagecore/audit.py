"""The audit log's records: who changed whose images, when, and how.

A record is written with the change it records, in the same transaction (the repository's
``save`` takes the records of the images it commits), so the log never tells of a change that
did not happen, nor misses one that did. Records are only ever appended; ``gc`` prunes the old.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime

import attrs

from imagecore.model import Slot, StoredImage, UserImages


class Role(enum.Enum):
    """Whom an actor acts as."""

    USER = "user"
    MODERATOR = "moderator"
    #: An operator's command (``imagecore takedown``, ``imagecore variants``).
    COMMAND = "command"


@attrs.frozen
class Actor:
    """Who made a change: a user (on their own images), a moderator, or a command."""

    role: Role
    name: str

    @classmethod
    def user(cls, user_id: str) -> Actor:
        return cls(Role.USER, user_id)

    @classmethod
    def moderator(cls, user_id: str) -> Actor:
        return cls(Role.MODERATOR, user_id)

    @classmethod
    def command(cls, name: str) -> Actor:
        return cls(Role.COMMAND, name)

    def __str__(self) -> str:
        return f"{self.role.value} {self.name}"


class Action(enum.Enum):
    """What a record tells of."""

    UPLOAD = "upload"
    REPLACE = "replace"
    DELETE = "delete"
    DESCRIBE = "describe"
    #: New variants of the same picture (``imagecore variants``).
    REBUILD = "rebuild"
    TAKEDOWN = "takedown"
    REPORT = "report"
    DISMISS = "dismiss"
    BLOCK = "block"
    UNBLOCK = "unblock"


@attrs.frozen
class AuditRecord:
    """One change: when (UTC), who, what, to whose images (``user_id``; empty for a change to
    the blocklist alone), in which slot, and the image's key and exact hash before and after."""

    at: datetime
    actor: Actor
    action: Action
    user_id: str = ""
    slot: Slot | None = None
    before_key: str | None = None
    after_key: str | None = None
    before_hash: str | None = None
    after_hash: str | None = None
    #: A reason, a report's note, a count: what a person reading the log needs besides.
    detail: str = ""


def record_on(
    image: StoredImage | None,
    *,
    at: datetime,
    actor: Actor,
    action: Action,
    user_id: str,
    slot: Slot,
    detail: str = "",
) -> AuditRecord:
    """A record of ``action`` on ``image`` that leaves it where it is (a report, a block, a
    dismissal): its key and exact hash both before and after."""
    key = image.key if image else None
    exact = _hash(image)
    return AuditRecord(at, actor, action, user_id, slot, key, key, exact, exact, detail)


def records_of(
    before: UserImages,
    after: UserImages,
    *,
    user_id: str,
    actor: Actor,
    at: datetime,
    action: Action | None = None,
    detail: str = "",
) -> tuple[AuditRecord, ...]:
    """The records of a change from ``before`` to ``after``: one per slot that changed, told
    as ``action`` where given, else as what happened to the slot."""
    return tuple(
        AuditRecord(
            at=at,
            actor=actor,
            action=action or _action(old, new),
            user_id=user_id,
            slot=slot,
            before_key=old.key if old else None,
            after_key=new.key if new else None,
            before_hash=_hash(old),
            after_hash=_hash(new),
            detail=detail,
        )
        for slot, old, new in _changed(before, after)
    )


def _changed(
    before: UserImages, after: UserImages
) -> Iterator[tuple[Slot, StoredImage | None, StoredImage | None]]:
    for slot in Slot:
        old, new = before.get(slot), after.get(slot)
        if old != new:
            yield slot, old, new


def _action(old: StoredImage | None, new: StoredImage | None) -> Action:
    if old is None:
        return Action.UPLOAD
    if new is None:
        return Action.DELETE
    if old.key != new.key:
        return Action.REPLACE
    return Action.DESCRIBE if old.alt != new.alt else Action.REBUILD


def _hash(image: StoredImage | None) -> str | None:
    return image.fingerprint.exact if image and image.fingerprint else None
