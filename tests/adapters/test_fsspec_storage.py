"""FsspecStorage on a local folder and in memory: the storage contract, and what each adds."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from imagecore import MediaNotFound, StorageError
from imagecore.adapters import fsspec_storage
from imagecore.adapters.fsspec_storage import CHUNK_BYTES, FsspecStorage
from imagecore.testing.storage import KEY, StorageContract
from tests.services import S3


class TestLocalStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> FsspecStorage:
        return FsspecStorage.from_url((tmp_path / "media").as_uri())


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def storage(self) -> FsspecStorage:
        # Each memory storage has a store of its own: nothing leaks between tests.
        return FsspecStorage.from_url("memory://media")


def test_memory_stores_are_isolated() -> None:
    """Two memory storages at the same URL do not see each other's files."""
    one = FsspecStorage.from_url("memory://shared-name")
    two = FsspecStorage.from_url("memory://shared-name")
    one.write(KEY, b"one")
    assert not two.exists(KEY)


def test_local_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    """After a write the folder holds only the final file, readable by other processes."""
    storage = FsspecStorage.from_url(tmp_path.as_uri())
    storage.write(KEY, b"data")
    folder = tmp_path / "resume" / "images"
    assert [p.name for p in folder.iterdir()] == ["profile_1_ab.jpg"]
    assert (folder / "profile_1_ab.jpg").stat().st_mode & 0o777 == 0o644


def test_a_failed_local_write_leaves_neither_a_partial_nor_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the final rename fails, the key does not exist and the temporary file is gone."""
    storage = FsspecStorage.from_url(tmp_path.as_uri())

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(StorageError):
        storage.write(KEY, b"data")
    assert not storage.exists(KEY)
    assert list((tmp_path / "resume" / "images").iterdir()) == []


def test_a_failed_local_write_keeps_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way leaves the old bytes under the key."""
    storage = FsspecStorage.from_url(tmp_path.as_uri())
    storage.write(KEY, b"old")
    monkeypatch.setattr(os, "fsync", _raise_eio)
    with pytest.raises(StorageError):
        storage.write(KEY, b"new")
    assert storage.read(KEY) == b"old"


def _raise_eio(fd: int) -> None:
    raise OSError(5, "Input/output error")


def test_a_local_file_is_streamed_a_chunk_at_a_time_and_closed(tmp_path: Path) -> None:
    """Never read whole: chunks of CHUNK_BYTES at most; the file closed after the last one, and
    when a reader stops part-way (a client that left)."""
    storage = FsspecStorage.from_url((tmp_path / "media").as_uri())
    data = os.urandom(3 * CHUNK_BYTES + 7)
    storage.write(KEY, data)
    open_before = len(os.listdir("/proc/self/fd"))
    stream = storage.stream(KEY)
    chunks = iter(stream.chunks)
    first = next(chunks)
    assert len(first) == CHUNK_BYTES
    assert len(os.listdir("/proc/self/fd")) == open_before + 1
    rest = list(chunks)
    assert [len(chunk) for chunk in rest] == [CHUNK_BYTES, CHUNK_BYTES, 7]
    assert first + b"".join(rest) == data
    assert len(os.listdir("/proc/self/fd")) == open_before
    for read in (0, 1):  # a reader that stops part-way, and one that never starts (HEAD)
        left = storage.stream(KEY)
        for _, _chunk in zip(range(read), left.chunks, strict=False):
            pass
        assert len(os.listdir("/proc/self/fd")) == open_before + 1
        left.close()
        assert len(os.listdir("/proc/self/fd")) == open_before


def test_a_file_whose_size_cannot_be_read_is_not_left_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that lists no size and then fails to tell it: a StorageError, and no file left
    open behind it (one was opened before the size was asked for)."""
    storage = FsspecStorage.from_url((tmp_path / "media").as_uri())
    storage.write(KEY, b"data")
    info = storage.fs.info

    def failing_size(path: str) -> int:
        raise OSError("the store does not answer")

    monkeypatch.setattr(storage.fs, "info", lambda path: {**info(path), "size": None})
    monkeypatch.setattr(storage.fs, "size", failing_size)
    open_before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(StorageError) as failed:
        storage.stream(KEY)
    # Counted while the error (and the traceback behind it) is still held, as a caller that
    # logs it holds it: collecting the frames would close a leaked file, and hide the leak.
    assert len(os.listdir("/proc/self/fd")) == open_before, failed.value


def test_a_planted_link_is_not_streamed(tmp_path: Path) -> None:
    """Only this storage writes its folder, and it makes no links: one is not followed."""
    secret = tmp_path / "secret"
    secret.write_bytes(b"private")
    storage = FsspecStorage.from_url((tmp_path / "media").as_uri())
    storage.write(KEY, b"x")
    target = tmp_path / "media" / KEY
    target.unlink()
    target.symlink_to(secret)
    with pytest.raises(MediaNotFound):
        storage.stream(KEY)


def test_an_unreadable_location_is_a_storage_error(tmp_path: Path) -> None:
    """Library errors other than 'not found' become StorageError."""
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a folder")
    storage = FsspecStorage.from_url(blocker.as_uri())
    with pytest.raises(StorageError):
        storage.write(KEY, b"x")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "resume/../../x", "a//b", "./a"])
def test_keys_with_path_tricks_are_refused(tmp_path: Path, key: str) -> None:
    """The storage itself refuses keys that could leave its root."""
    storage = FsspecStorage.from_url(tmp_path.as_uri())
    with pytest.raises(ValueError, match="not a storage key"):
        storage.write(key, b"x")


class TestS3Storage(StorageContract):
    """S3 through s3fs, against a local S3-compatible server, configured as deployments are:
    with the standard AWS variables."""

    @pytest.fixture
    def storage(self, s3: S3) -> FsspecStorage:
        return FsspecStorage.from_url(s3.url())


def test_s3_sees_files_written_by_others(s3: S3) -> None:
    """A storage never answers from a stale listing: another writer's file is seen at once."""
    mine, theirs = FsspecStorage.from_url(s3.url()), FsspecStorage.from_url(s3.url())
    assert list(mine.list("resume/images/")) == []
    theirs.write(KEY, b"x")
    assert mine.exists(KEY)
    assert [file.key for file in mine.list("resume/images/")] == [KEY]


def test_a_read_error_part_way_is_a_storage_error() -> None:
    """A disk or network error while a file is streamed is the storage's, in the core's terms,
    and the file is closed."""

    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError(5, "Input/output error")

    file = Failing()
    with pytest.raises(StorageError):
        next(fsspec_storage._chunks(file, KEY))
    assert file.closed
