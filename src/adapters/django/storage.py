"""The ImageStorage on one of the project's Django storages: the file system, or an object store
through django-storages, with the storage's own URLs."""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from imagecore.errors import MediaNotFound, StorageError
from imagecore.model import StoredFile, StoredStream

CHUNK = 64 * 1024


class DjangoStorage:
    """Files in ``storage`` under the core's keys.

    The core gives every file a new name, so it never asks a storage to overwrite: a Django
    storage, which would rather rename, serves as it is (a name it renames anyway is refused).
    """

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def write(self, key: str, data: bytes) -> None:
        try:
            saved = self.storage.save(key, ContentFile(data))
        except Exception as error:
            raise StorageError("write", key) from error
        if saved != key:  # the name was taken: not the file the core will reference
            self.delete(saved)
            raise StorageError("write", key)

    def read(self, key: str) -> bytes:
        stream = self.stream(key)
        try:
            return b"".join(stream.chunks)
        finally:
            stream.close()

    def stream(self, key: str) -> StoredStream:
        try:
            file = self.storage.open(key, "rb")
        except FileNotFoundError:
            raise MediaNotFound(key) from None
        except Exception as error:
            if not self.exists(key):
                raise MediaNotFound(key) from None
            raise StorageError("read", key) from error
        try:
            size = file.size
        except Exception as error:
            file.close()
            raise StorageError("read", key) from error
        return StoredStream(size, self._chunks(file, key), file.close)

    def delete(self, key: str) -> None:
        try:
            self.storage.delete(key)
        except FileNotFoundError:
            pass
        except Exception as error:
            raise StorageError("delete", key) from error

    def exists(self, key: str) -> bool:
        try:
            return bool(self.storage.exists(key)) and not self._is_folder(key)
        except Exception as error:
            raise StorageError("read", key) from error

    def _is_folder(self, key: str) -> bool:
        """Whether ``key`` names a folder, which a file system storage says exists: an object
        store has no folders, and no local path."""
        try:
            path = self.storage.path(key)
        except NotImplementedError:
            return False
        return os.path.isdir(path)

    def list(self, folder: str) -> Iterator[StoredFile]:
        try:
            _, names = self.storage.listdir(folder)
        except FileNotFoundError:
            return
        except Exception as error:
            raise StorageError("list", folder) from error
        for name in sorted(names):
            key = folder + name
            try:
                yield StoredFile(
                    key, self.storage.size(key), self.storage.get_modified_time(key).timestamp()
                )
            except FileNotFoundError:
                continue  # removed since it was listed
            except Exception as error:
                raise StorageError("list", key) from error

    def url(self, key: str) -> str:
        return str(self.storage.url(key))

    @staticmethod
    def _chunks(file: object, key: str) -> Iterator[bytes]:
        try:
            yield from file.chunks(CHUNK)  # type: ignore[attr-defined]
        except Exception as error:
            raise StorageError("read", key) from error
        finally:
            file.close()  # type: ignore[attr-defined]
