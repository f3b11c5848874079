"""Image storage on any fsspec file system: a local folder, memory, and later object stores."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fsspec import AbstractFileSystem
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem
from fsspec.utils import get_protocol

from imagecore import ImageStorage, MediaNotFound, StorageError, StoredFile, StoredStream

#: The bytes read at a time when a file is streamed: a whole avatar or variant at once.
CHUNK_BYTES = 64 * 1024
#: Errors that mean "there is no such file here", however the path was odd.
_NO_SUCH = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.EISDIR})


class FsspecStorage(ImageStorage):
    """Stores each key as a file under ``root`` on an fsspec file system.

    Writes are all or nothing: on a local disk through a temporary file in the same folder and an
    atomic rename; elsewhere through a single ``pipe_file``, which object stores and the memory
    file system apply whole.
    """

    def __init__(self, fs: AbstractFileSystem, root: str) -> None:
        self.fs = fs
        self.root = root.rstrip("/")

    @classmethod
    def from_url(cls, url: str, **options: Any) -> FsspecStorage:
        """Storage at an fsspec URL such as ``file:///srv/media`` or ``memory://media``.

        A ``memory://`` URL gets a store of its own: fsspec's memory file system otherwise shares
        one store among every instance in the process.
        """
        protocol = get_protocol(url)
        if protocol == "memory":
            options = {"global_store": False, "skip_instance_cache": True, **options}
        elif protocol not in ("file", "local"):
            # Other processes write to a shared store too: never answer from a stale listing.
            options = {"use_listings_cache": False, **options}
        fs, root = url_to_fs(url, **options)
        return cls(fs, root)

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            if self.is_local:
                _write_atomically(path, data)
            else:
                self.fs.pipe_file(path, data)
        except OSError as error:
            raise StorageError("write", key) from error

    def read(self, key: str) -> bytes:
        path = self._path(key)
        if self.is_local and os.path.islink(path):
            # Only this storage writes here, and it never makes links: one is planted.
            raise MediaNotFound(key)
        try:
            data = self.fs.cat_file(path)
        except OSError as error:
            if isinstance(error, FileNotFoundError | IsADirectoryError) or error.errno in _NO_SUCH:
                raise MediaNotFound(key) from error
            raise StorageError("read", key) from error
        return bytes(data)

    def stream(self, key: str) -> StoredStream:
        path = self._path(key)
        if self.is_local and os.path.islink(path):
            raise MediaNotFound(key)
        # An object store's file reads ahead by 50 MB unless told otherwise: a chunk at a time.
        options = {} if self.is_local else {"block_size": CHUNK_BYTES, "cache_type": "none"}
        try:
            # Looked up first: an object store's folder is a prefix that opens as an empty file.
            info = self.fs.info(path)
            if info.get("type") != "file":
                raise MediaNotFound(key)
            size = info.get("size")
            if size is None:
                size = self.fs.size(path)  # before the file is opened: nothing to close if it fails
            file = self.fs.open(path, "rb", **options)
        except OSError as error:
            if isinstance(error, FileNotFoundError | IsADirectoryError) or error.errno in _NO_SUCH:
                raise MediaNotFound(key) from error
            raise StorageError("read", key) from error
        return StoredStream(int(size), _chunks(file, key), file.close)

    def delete(self, key: str) -> None:
        try:
            self.fs.rm_file(self._path(key))
        except FileNotFoundError:
            pass
        except OSError as error:
            raise StorageError("delete", key) from error

    def exists(self, key: str) -> bool:
        try:
            return bool(self.fs.isfile(self._path(key)))
        except OSError as error:
            raise StorageError("look up", key) from error

    def list(self, folder: str) -> Iterator[StoredFile]:
        try:
            entries = self.fs.ls(self._path(folder.rstrip("/")), detail=True, refresh=True)
        except FileNotFoundError:
            return
        except OSError as error:
            raise StorageError("list", folder) from error
        prefix = folder if folder.endswith("/") else folder + "/"
        for entry in sorted(entries, key=lambda entry: str(entry["name"])):
            if entry["type"] == "file":
                name = str(entry["name"]).rstrip("/").rpartition("/")[2]
                yield StoredFile(prefix + name, int(entry.get("size") or 0), _modified(entry))

    def _path(self, key: str) -> str:
        parts = key.split("/")
        if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"not a storage key: {key!r}")
        return f"{self.root}/{key}"


def _chunks(file: Any, key: str) -> Iterator[bytes]:
    with file:
        while True:
            try:
                chunk = file.read(CHUNK_BYTES)
            except OSError as error:
                raise StorageError("read", key) from error
            if not chunk:
                return
            yield chunk


def _modified(entry: dict[str, Any]) -> float:
    """When a listed file was last written, whichever name the file system gives it."""
    for name in ("mtime", "LastModified", "last_modified", "created"):
        value = entry.get(name)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
    # Unknown age: count it as new, so that a sweep never removes what it cannot date.
    return time.time()


def _write_atomically(path: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    # The temporary name starts with a dot so that nothing ever serves or lists it as an image.
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fchmod(file.fileno(), 0o644)
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    # Makes the rename itself survive a power cut, not only the file's bytes.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
