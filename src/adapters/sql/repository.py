"""The image repository on any of the SQL databases, and the row mapping it uses.

One row per user holds each slot's image as a JSON document and a version. A write is a single
statement that only matches the version it read, so of two racing writers exactly one wins; its
audit records are inserted in the same transaction, once it has won.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from imagecore.adapters.sql import audit_log
from imagecore.adapters.sql.schema import USER_IMAGES
from imagecore.adapters.sql.seam import Connection, Connections, Dialect
from imagecore.audit import AuditRecord
from imagecore.documents import image_from_json, image_to_json
from imagecore.errors import RepositoryError, VersionConflict
from imagecore.model import Slot, UserImages
from imagecore.ports import ImageRepository


class SqlRepository(ImageRepository):
    """Keeps each user's images in the ``imagecore_user_images`` table.

    Made by a database object (:class:`~imagecore.adapters.sql.SqliteDatabase`,
    :class:`~imagecore.adapters.sql.PostgresDatabase`), which owns its connections.
    """

    def __init__(self, connections: Connections) -> None:
        self._connections = connections
        self._errors = connections.dialect.errors
        p, j = connections.dialect.param, connections.dialect.json_param
        self._get = select_user_images(connections.dialect)
        self._insert = (
            f"INSERT INTO {USER_IMAGES} (user_id, version, profile_image, cover_image, updated_at) "
            f"VALUES ({p}, 1, {j}, {j}, CURRENT_TIMESTAMP) ON CONFLICT (user_id) DO NOTHING"
        )
        self._update = (
            f"UPDATE {USER_IMAGES} SET version = version + 1, profile_image = {j}, "
            f"cover_image = {j}, updated_at = CURRENT_TIMESTAMP "
            f"WHERE user_id = {p} AND version = {p}"
        )
        self._users = (
            f"SELECT user_id FROM {USER_IMAGES} "
            "WHERE profile_image IS NOT NULL OR cover_image IS NOT NULL"
        )
        # Whole documents: an image's variants and still are files it references too.
        self._references = (
            f"SELECT profile_image FROM {USER_IMAGES} WHERE profile_image IS NOT NULL UNION ALL "
            f"SELECT cover_image FROM {USER_IMAGES} WHERE cover_image IS NOT NULL"
        )

    @property
    def dialect(self) -> Dialect:
        """The database the rows are in."""
        return self._connections.dialect

    def get(self, user_id: str) -> UserImages:
        try:
            with self._connections.connection() as connection:
                row = connection.execute(self._get, (user_id,)).fetchone()
        except self._errors as error:
            raise RepositoryError(f"cannot read images of a user: {error}") from error
        return user_images(row)

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        try:
            if not records:  # one statement: no transaction to open
                with self._connections.connection() as connection:
                    self._write(connection, user_id, images)
            else:
                with self._connections.transaction() as connection:
                    self._write(connection, user_id, images)
                    audit_log.append(connection, self.dialect, records)
        except self._errors as error:
            raise RepositoryError(f"cannot save images of a user: {error}") from error
        return attrs.evolve(images, version=images.version + 1)

    def _write(self, connection: Connection, user_id: str, images: UserImages) -> None:
        """Write the row if its version is still ``images.version``; VersionConflict (which
        rolls a transaction back) if not."""
        profile = image_to_json(images.get(Slot.PROFILE))
        cover = image_to_json(images.get(Slot.COVER))
        if images.version == 0:
            done = connection.execute(self._insert, (user_id, profile, cover))
        else:
            done = connection.execute(self._update, (profile, cover, user_id, images.version))
        if done.rowcount != 1:
            raise VersionConflict()

    def users(self) -> Iterator[str]:
        try:
            for (user_id,) in self._connections.stream(self._users):
                yield str(user_id)
        except self._errors as error:
            raise RepositoryError(f"cannot list users: {error}") from error

    def references(self) -> Iterator[str]:
        try:
            for (document,) in self._connections.stream(self._references):
                image = image_from_json(document)
                if image is not None:
                    yield from image.keys
        except self._errors as error:
            raise RepositoryError(f"cannot list referenced images: {error}") from error


def select_user_images(dialect: Dialect) -> str:
    """The query for a user's row, its one parameter the user's id; its documents as text."""
    text = dialect.json_text
    return (
        f"SELECT version, {text.format('profile_image')}, {text.format('cover_image')} "
        f"FROM {USER_IMAGES} WHERE user_id = {dialect.param}"
    )


def user_images(row: tuple[Any, ...] | None) -> UserImages:
    """The images a row of :func:`select_user_images` holds; ``None``, a user never stored."""
    if row is None:
        return UserImages()
    version, profile, cover = row
    return UserImages(
        profile_image=image_from_json(profile),
        cover_image=image_from_json(cover),
        version=version,
    )
