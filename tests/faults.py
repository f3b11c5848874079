"""Wrappers that make a storage or repository fail at a chosen call, to test every step's failure.

Calls to the storage and the repository are counted together, in the order the service makes
them, so that "the third call fails" names one step of a use case. A failure can come before the
call takes effect, after it (the work is done but the caller hears of an error, as when a
connection drops after a commit), or as a crash: nothing more happens after it, not even
clean-up.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

import attrs

from imagecore import (
    ImageRepository,
    ImageStorage,
    RepositoryError,
    StorageError,
    StoredFile,
    StoredStream,
    UserImages,
)
from imagecore.audit import AuditRecord

T = TypeVar("T")


class Crash(BaseException):
    """The process died here. BaseException, so that no `except Exception` clean-up runs."""


class Mode(enum.Enum):
    BEFORE = "before"
    AFTER = "after"
    CRASH = "crash"


@attrs.define
class FaultPlan:
    """Which call fails and how; and, once it has, which one it was."""

    fail_on: int | None = None
    mode: Mode = Mode.BEFORE
    calls: list[str] = attrs.field(factory=list)
    failed: str | None = None
    crashed: bool = False

    def run(self, name: str, call: Callable[[], T], error: Callable[[], Exception]) -> T:
        if self.crashed:
            raise Crash(f"after the crash: {name}")
        self.calls.append(name)
        if len(self.calls) != self.fail_on:
            return call()
        self.failed = name
        if self.mode is Mode.CRASH:
            self.crashed = True
            raise Crash(name)
        if self.mode is Mode.AFTER:
            call()
        raise error()


@attrs.define
class FaultyStorage(ImageStorage):
    inner: ImageStorage
    plan: FaultPlan

    def write(self, key: str, data: bytes) -> None:
        self.plan.run("storage.write", lambda: self.inner.write(key, data), _storage("write", key))

    def read(self, key: str) -> bytes:
        return self.plan.run("storage.read", lambda: self.inner.read(key), _storage("read", key))

    def stream(self, key: str) -> StoredStream:
        return self.plan.run(
            "storage.stream", lambda: self.inner.stream(key), _storage("read", key)
        )

    def delete(self, key: str) -> None:
        self.plan.run("storage.delete", lambda: self.inner.delete(key), _storage("delete", key))

    def exists(self, key: str) -> bool:
        return self.plan.run(
            "storage.exists", lambda: self.inner.exists(key), _storage("stat", key)
        )

    def list(self, folder: str) -> Iterator[StoredFile]:
        files = self.plan.run(
            "storage.list", lambda: list(self.inner.list(folder)), _storage("list", folder)
        )
        yield from files


@attrs.define
class FaultyRepository(ImageRepository):
    inner: ImageRepository
    plan: FaultPlan

    def get(self, user_id: str) -> UserImages:
        return self.plan.run("repository.get", lambda: self.inner.get(user_id), _repository)

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        return self.plan.run(
            "repository.save", lambda: self.inner.save(user_id, images, records), _repository
        )

    def users(self) -> Iterator[str]:
        users = self.plan.run("repository.users", lambda: list(self.inner.users()), _repository)
        yield from users

    def references(self) -> Iterator[str]:
        keys = self.plan.run(
            "repository.references", lambda: list(self.inner.references()), _repository
        )
        yield from keys


def _storage(operation: str, key: str) -> Callable[[], Exception]:
    return lambda: StorageError(operation, key)


def _repository() -> Exception:
    return RepositoryError("injected fault")
