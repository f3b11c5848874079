"""The ImageRepository on the Django ORM: a row per user of the project's user model, written
with compare-and-set on its version."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import attrs
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q

from imagecore import Slot, StoredImage, UserImages
from imagecore.adapters.django.models import AuditEntry, UserImagesRecord
from imagecore.audit import Action, Actor, AuditRecord, Role
from imagecore.documents import image_from_json
from imagecore.errors import RepositoryError, VersionConflict


class DjangoRepository:
    """Users' images in the ``imagecore_user_images`` table, in the project's database
    (``using``: its alias). A user id is the user's primary key as text."""

    def __init__(self, using: str = "default") -> None:
        self.using = using

    def get(self, user_id: str) -> UserImages:
        try:
            row = next(iter(self._rows().filter(user_id=self._pk(user_id))[:1]), None)
        except DatabaseError as error:
            raise RepositoryError(f"cannot read the images table: {error}") from error
        if row is None:
            return UserImages()
        return UserImages(
            image_from_json(row.profile_image), image_from_json(row.cover_image), row.version
        )

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        try:
            with transaction.atomic(using=self.using):
                committed = self._save(user_id, images)
                AuditEntry.objects.using(self.using).bulk_create(map(_entry, records))
        except DatabaseError as error:  # the audit log's insert, or the commit itself
            raise RepositoryError(f"cannot save images of a user: {error}") from error
        return committed

    def _save(self, user_id: str, images: UserImages) -> UserImages:
        pk = self._pk(user_id)
        committed = attrs.evolve(images, version=images.version + 1)
        fields = {
            "profile_image": _document(images.profile_image),
            "cover_image": _document(images.cover_image),
            "version": committed.version,
        }
        try:
            if images.version == 0:
                try:
                    with transaction.atomic(using=self.using):
                        self._rows().create(user_id=pk, **fields)
                except IntegrityError as error:
                    if self._rows().filter(user_id=pk).exists():  # stored by another request
                        raise VersionConflict() from None
                    message = f"cannot store images of user {user_id!r}: {error}"
                    raise RepositoryError(message) from error
            else:
                updated = self._rows().filter(user_id=pk, version=images.version).update(**fields)
                if updated != 1:
                    raise VersionConflict()
        except DatabaseError as error:
            raise RepositoryError(f"cannot write the images table: {error}") from error
        return committed

    def users(self) -> Iterator[str]:
        kept = Q(profile_image__isnull=False) | Q(cover_image__isnull=False)
        try:
            ids = list(self._rows().filter(kept).values_list("user_id", flat=True))
        except DatabaseError as error:
            raise RepositoryError(f"cannot read the images table: {error}") from error
        return (str(pk) for pk in ids)

    def references(self) -> Iterator[str]:
        try:
            rows = list(self._rows().values_list("profile_image", "cover_image"))
        except DatabaseError as error:
            raise RepositoryError(f"cannot read the images table: {error}") from error
        for documents in rows:
            for document in documents:
                image = image_from_json(document)
                if image is not None:
                    yield from image.keys

    def _rows(self) -> Any:
        return UserImagesRecord.objects.using(self.using)

    def _pk(self, user_id: str) -> Any:
        """The user model's primary key for ``user_id``; a user id that cannot be one is no
        user of this project."""
        try:
            return get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            raise RepositoryError(f"{user_id!r} is not a user id of this project") from None


class DjangoAuditLog:
    """The audit log the repository appends to, in the project's database."""

    def __init__(self, using: str = "default") -> None:
        self.using = using

    def history(self, user_id: str) -> list[AuditRecord]:
        rows = AuditEntry.objects.using(self.using).filter(user_id=user_id).order_by("id")
        try:
            return [_record(row) for row in rows]
        except DatabaseError as error:
            raise RepositoryError(f"cannot read the audit log: {error}") from error

    def prune(self, before: datetime) -> int:
        try:
            deleted, _ = AuditEntry.objects.using(self.using).filter(at__lt=before).delete()
        except DatabaseError as error:
            raise RepositoryError(f"cannot prune the audit log: {error}") from error
        return int(deleted)


def _entry(record: AuditRecord) -> AuditEntry:
    return AuditEntry(
        at=record.at,
        actor_role=record.actor.role.value,
        actor_name=record.actor.name,
        action=record.action.value,
        user_id=record.user_id,
        slot=record.slot.value if record.slot else None,
        before_key=record.before_key,
        after_key=record.after_key,
        before_hash=record.before_hash,
        after_hash=record.after_hash,
        detail=record.detail,
    )


def _record(row: AuditEntry) -> AuditRecord:
    return AuditRecord(
        at=row.at,
        actor=Actor(Role(row.actor_role), row.actor_name),
        action=Action(row.action),
        user_id=row.user_id,
        slot=Slot(row.slot) if row.slot else None,
        before_key=row.before_key,
        after_key=row.after_key,
        before_hash=row.before_hash,
        after_hash=row.after_hash,
        detail=row.detail,
    )


def _document(image: StoredImage | None) -> dict[str, Any] | None:
    return None if image is None else attrs.asdict(image)
