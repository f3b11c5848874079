"""What every ImageStorage promises, and what some also can.

The core gives every upload a new name and never writes a key twice, so a storage need not
overwrite: one that can (and does so atomically, readers never seeing a blend) declares
:data:`OVERWRITE` among its ``capabilities``, and is held to it. A Django storage, which
renames rather than overwrites, declares nothing more and passes.
"""

from __future__ import annotations

import threading
import time
from typing import ClassVar

import pytest

from imagecore import ImageStorage, MediaNotFound

KEY = "resume/images/profile_1_ab.jpg"
#: Writing a key again replaces its bytes whole, even with readers and writers racing.
OVERWRITE = "overwrite"


class StorageContract:
    """Mix into a test class that provides a ``storage`` fixture holding an empty storage, and
    ``capabilities`` naming what it can beyond what the core relies on."""

    capabilities: ClassVar[frozenset[str]] = frozenset({OVERWRITE})

    def requires(self, capability: str) -> None:
        if capability not in self.capabilities:
            pytest.skip(f"the storage does not declare {capability!r} (the core never needs it)")

    @pytest.fixture
    def storage(self) -> ImageStorage:
        raise NotImplementedError("provide an empty storage")

    def test_what_is_written_can_be_read_back(self, storage: ImageStorage) -> None:
        """Bytes written under a key are read back unchanged."""
        storage.write(KEY, b"\x00\xffdata")
        assert storage.read(KEY) == b"\x00\xffdata"
        assert storage.exists(KEY)

    def test_writing_again_replaces_the_bytes(self, storage: ImageStorage) -> None:
        """A second write under a key replaces the first, whole."""
        self.requires(OVERWRITE)
        storage.write(KEY, b"first, and longer")
        storage.write(KEY, b"second")
        assert storage.read(KEY) == b"second"

    def test_empty_files_are_files(self, storage: ImageStorage) -> None:
        """Zero bytes is a valid content."""
        storage.write(KEY, b"")
        assert storage.read(KEY) == b""
        assert storage.exists(KEY)

    def test_reading_a_missing_key_is_media_not_found(self, storage: ImageStorage) -> None:
        """A missing key reads as MediaNotFound, not as a library error."""
        assert not storage.exists(KEY)
        with pytest.raises(MediaNotFound):
            storage.read(KEY)

    def test_a_file_streams_whole_with_its_size(self, storage: ImageStorage) -> None:
        """Streamed, a file of many chunks' worth comes whole and in order, its size told first."""
        data = bytes(range(256)) * 1200
        storage.write(KEY, data)
        stream = storage.stream(KEY)
        assert stream.size == len(data)
        assert b"".join(stream.chunks) == data

    def test_an_empty_file_streams_as_no_bytes(self, storage: ImageStorage) -> None:
        storage.write(KEY, b"")
        stream = storage.stream(KEY)
        assert (stream.size, b"".join(stream.chunks)) == (0, b"")

    def test_streaming_what_is_not_a_file_is_media_not_found_at_once(
        self, storage: ImageStorage
    ) -> None:
        """Raised by stream() itself, before any chunk: a server can still answer 404."""
        with pytest.raises(MediaNotFound):
            storage.stream(KEY)
        storage.write(KEY, b"x")
        with pytest.raises(MediaNotFound):
            storage.stream("resume/images")

    def test_delete_removes_and_is_idempotent(self, storage: ImageStorage) -> None:
        """After delete the key is gone; deleting it again is not an error."""
        storage.write(KEY, b"x")
        storage.delete(KEY)
        assert not storage.exists(KEY)
        storage.delete(KEY)

    def test_a_folder_is_not_a_file(self, storage: ImageStorage) -> None:
        """The folder holding keys does not exist as a file, and cannot be read."""
        storage.write(KEY, b"x")
        assert not storage.exists("resume/images")
        with pytest.raises(MediaNotFound):
            storage.read("resume/images")

    def test_list_gives_the_files_of_one_folder(self, storage: ImageStorage) -> None:
        """list(folder) yields each file directly in that folder with its size and write time."""
        assert list(storage.list("resume/images/")) == []
        before = time.time()
        storage.write("resume/images/a.png", b"a")
        storage.write("resume/images/b.png", b"bb")
        storage.write("resume/covers/c.png", b"c")
        files = sorted(storage.list("resume/images/"), key=lambda file: file.key)
        assert [(file.key, file.size) for file in files] == [
            ("resume/images/a.png", 1),
            ("resume/images/b.png", 2),
        ]
        for file in files:
            assert before - 5 <= file.modified <= time.time() + 5

    def test_keys_are_isolated(self, storage: ImageStorage) -> None:
        """Keys in different folders, or differing only in extension, do not collide."""
        storage.write("resume/images/x.png", b"1")
        storage.write("resume/covers/x.png", b"2")
        storage.write("resume/images/x.jpg", b"3")
        assert [storage.read(k) for k in ("resume/images/x.png", "resume/covers/x.png")] == [
            b"1",
            b"2",
        ]

    def test_concurrent_writers_never_expose_a_mixture(self, storage: ImageStorage) -> None:
        """Readers racing writers see one whole version or the other, never a blend."""
        self.requires(OVERWRITE)
        versions = [bytes([n]) * 200_000 for n in range(1, 5)]
        storage.write(KEY, versions[0])
        seen: list[bytes] = []

        def write(data: bytes) -> None:
            for _ in range(5):
                storage.write(KEY, data)

        writers = [threading.Thread(target=write, args=(v,)) for v in versions]
        for thread in writers:
            thread.start()
        while any(thread.is_alive() for thread in writers):
            seen.append(storage.read(KEY))
        for thread in writers:
            thread.join()
        assert all(data in versions for data in seen)
