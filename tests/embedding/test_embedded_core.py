"""The core inside another Python program: no HTTP, no settings, adapters picked by the host."""

from __future__ import annotations

import inspect
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
import pytest

from imagecore import (
    DEFAULT_POLICIES,
    Box,
    Housekeeping,
    ImageLimits,
    ImageRejected,
    ImageRepository,
    ImageSlots,
    Slot,
    UserImages,
    VersionConflict,
)
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.audit import AuditRecord
from imagecore.documents import image_from_json, image_to_json
from imagecore.testing.repository import RepositoryContract
from tests import images


class HostRepository(ImageRepository):
    """What a host app might write: the images as columns of its own users table."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        # One connection shared by threads: without the lock their transactions interleave, as
        # the contract's race test shows.
        self.lock = threading.Lock()
        db.execute(
            "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, version INTEGER NOT NULL, "
            "profile TEXT, cover TEXT)"
        )
        db.execute("CREATE TABLE IF NOT EXISTS changes (user_id TEXT, action TEXT, actor TEXT)")

    def get(self, user_id: str) -> UserImages:
        with self.lock:
            row = self.db.execute(
                "SELECT version, profile, cover FROM users WHERE id = ?", (user_id,)
            ).fetchone()
        if row is None:
            return UserImages()
        return UserImages(
            profile_image=image_from_json(row[1]),
            cover_image=image_from_json(row[2]),
            version=row[0],
        )

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        with self.lock, self.db:
            values = (image_to_json(images.profile_image), image_to_json(images.cover_image))
            if images.version == 0:
                done = self.db.execute(
                    "INSERT OR IGNORE INTO users VALUES (?, 1, ?, ?)", (user_id, *values)
                )
            else:
                done = self.db.execute(
                    "UPDATE users SET version = version + 1, profile = ?, cover = ? "
                    "WHERE id = ? AND version = ?",
                    (*values, user_id, images.version),
                )
            if done.rowcount != 1:
                raise VersionConflict()
            # The host's own log of changes, in the same transaction as the change.
            self.db.executemany(
                "INSERT INTO changes VALUES (?, ?, ?)",
                [(r.user_id, r.action.value, str(r.actor)) for r in records],
            )
        return attrs.evolve(images, version=images.version + 1)

    def users(self) -> Iterator[str]:
        with self.lock:
            rows = self.db.execute(
                "SELECT id FROM users WHERE profile IS NOT NULL OR cover IS NOT NULL"
            ).fetchall()
        yield from (row[0] for row in rows)

    def references(self) -> Iterator[str]:
        with self.lock:
            rows = self.db.execute("SELECT profile, cover FROM users").fetchall()
        for row in rows:
            for text in row:
                if text is not None:
                    image = image_from_json(text)
                    assert image is not None
                    yield from image.keys


class TestHostRepositoryKeepsTheContract(RepositoryContract):
    """A host's own adapter is checked by the same contract suite as ours."""

    @pytest.fixture
    def repository(self) -> HostRepository:
        return HostRepository(sqlite3.connect(":memory:", check_same_thread=False))


class AccountKeyedRepository(HostRepository):
    """A host's repository keyed on its own table of users: only users who exist have images."""

    def __init__(self, db: sqlite3.Connection) -> None:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        db.executemany("INSERT INTO accounts VALUES (?, ?)", [(n, f"user {n}") for n in (1, 2, 3)])
        db.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY REFERENCES accounts (id), "
            "version INTEGER NOT NULL, profile TEXT, cover TEXT)"
        )
        super().__init__(db)

    def users(self) -> Iterator[str]:
        return (str(user) for user in super().users())


class TestAHostKeyedOnItsUsersKeepsTheContract(RepositoryContract):
    """The contract takes its user ids from fixtures: a host keyed on its own users passes it
    with the ids of users it holds (one of them never saved), where any text would fail."""

    @pytest.fixture
    def repository(self) -> AccountKeyedRepository:
        return AccountKeyedRepository(sqlite3.connect(":memory:", check_same_thread=False))

    @pytest.fixture
    def user_ids(self) -> tuple[str, ...]:
        return ("1", "2", "3", "42")

    @pytest.fixture
    def alike_user_ids(self) -> tuple[str, ...]:
        return ("1", "2", "3")


def test_a_host_keyed_on_its_users_cannot_take_any_text_as_an_id() -> None:
    """Why the ids are fixtures: the default ones name no user of such a host."""
    repository = AccountKeyedRepository(sqlite3.connect(":memory:"))
    with pytest.raises(sqlite3.IntegrityError):
        repository.save("ü 2", UserImages())


def test_a_host_app_runs_the_use_cases_with_its_own_adapters(tmp_path: Path) -> None:
    """Upload, replace, refuse and delete through the core with real storage and codec."""
    slots = ImageSlots(
        storage=FsspecStorage.from_url(tmp_path.as_uri()),
        repository=HostRepository(sqlite3.connect(tmp_path / "host.db")),
        codec=PillowCodec(),
        policies={
            Slot.PROFILE: attrs.evolve(DEFAULT_POLICIES[Slot.PROFILE], box=Box(100, 100)),
            Slot.COVER: attrs.evolve(DEFAULT_POLICIES[Slot.COVER], box=Box(300, 100)),
        },
    )
    first = slots.upload("7", {Slot.PROFILE: images.jpeg(size=(400, 200))}).profile_image
    assert first is not None and (first.width, first.height) == (100, 50)
    second = slots.upload("7", {Slot.PROFILE: images.png()}).profile_image
    assert second is not None and second.media_type == "image/png"
    assert not (tmp_path / first.key).exists()
    with pytest.raises(ImageRejected):
        slots.upload("7", {Slot.COVER: b"GIF89a broken"})
    assert slots.current("7").profile_image == second
    slots.delete("7", Slot.PROFILE)
    assert not (tmp_path / second.key).exists()
    assert slots.current("7") == UserImages(version=3)


def test_the_embedding_guide_names_every_limit_and_use_case() -> None:
    """The guide's summary of the pieces lists every field of ImageLimits and every public
    method of ImageSlots and Housekeeping, so that it cannot fall behind them unnoticed."""
    guide = (Path(__file__).parents[2] / "docs" / "embedding.md").read_text()
    summary = re.search(r"^ *ImageLimits\(([^)]*)\)", guide, re.MULTILINE)
    assert summary is not None
    named = {name.strip() for name in summary.group(1).split(",")}
    assert named == {field.name for field in attrs.fields(ImageLimits)}
    methods = {
        name
        for kind in (ImageSlots, Housekeeping)
        for name, _ in inspect.getmembers(kind, inspect.isfunction)
        if name[0] != "_"
    }
    missing = {name for name in methods if f".{name}(" not in guide}
    assert not missing, missing
