"""The ports: what the core needs from the world, named by role and speaking only core types.

Adapters raise only the core's errors (:mod:`imagecore.errors`) through these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from imagecore.audit import AuditRecord
from imagecore.avatars import Avatar
from imagecore.blocking import BlockedPicture
from imagecore.model import (
    EncodedImage,
    Fingerprint,
    Slot,
    StoredFile,
    StoredStream,
    UserImages,
)
from imagecore.policies import Box, ImageLimits
from imagecore.reports import Report


class ImageStorage(Protocol):
    """Bytes under keys such as ``resume/images/profile_7_1f2e.jpg``.

    Keys are relative POSIX paths the core builds; storages need not check them.
    Failures raise :class:`~imagecore.errors.StorageError`.
    """

    def write(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, all or nothing: a reader never sees a partial file."""
        ...

    def read(self, key: str) -> bytes:
        """The bytes under ``key``; :class:`~imagecore.errors.MediaNotFound` if there are none."""
        ...

    def stream(self, key: str) -> StoredStream:
        """The bytes under ``key`` and their size, read as they are iterated, for sending them
        on without holding them whole. :class:`~imagecore.errors.MediaNotFound` (raised here,
        before any chunk) if there are none."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; removing what is not there is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Whether something is stored under ``key``."""
        ...

    def list(self, folder: str) -> Iterator[StoredFile]:
        """The files stored directly in ``folder`` (a key prefix ending in ``/``), by key."""
        ...


class AsyncImageReader(Protocol):
    """A repository's reads for an event loop: the images :meth:`ImageRepository.get` would
    give, read without a thread (a network database's async driver, say).

    :meth:`open` runs on the loop that will read, before the first read; :meth:`close` after
    the last. Failures raise :class:`~imagecore.errors.RepositoryError`.
    """

    async def open(self) -> None: ...

    async def get(self, user_id: str) -> UserImages:
        """The user's images; a user never stored has ``UserImages()`` (version 0)."""
        ...

    async def close(self) -> None: ...


class ImageRepository(Protocol):
    """Which images each user keeps, with a version compared on every write.

    Failures raise :class:`~imagecore.errors.RepositoryError`.
    """

    def get(self, user_id: str) -> UserImages:
        """The user's images; a user never stored has ``UserImages()`` (version 0)."""
        ...

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        """Commit ``images`` if the stored version still equals ``images.version``, and append
        ``records`` to the audit log in the same transaction.

        Returns what was stored, its version one higher. If another writer committed first,
        raises :class:`~imagecore.errors.VersionConflict` and stores nothing, records included.
        """
        ...

    def users(self) -> Iterator[str]:
        """Every user who keeps at least one image, each once, in no particular order."""
        ...

    def references(self) -> Iterator[str]:
        """Every storage key any user's images reference, in no particular order: each image's
        :attr:`~imagecore.model.StoredImage.keys`, its variants and still included (a sweep
        removes every file not listed)."""
        ...


class ImageCodec(Protocol):
    """Checks uploaded bytes and re-encodes them into a box.

    Raises :class:`~imagecore.rejections.ImageRejected` (or a subclass) for anything it will not
    store; never lets a decoding library's own exception through.
    """

    #: The names of the formats it accepts, as a person would write them: ``("JPEG", "PNG")``.
    formats: tuple[str, ...]

    @property
    def max_pixels(self) -> int:
        """The largest image, in pixels, it can decode: a pixel limit above it is unreachable."""
        ...

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        """The image in ``data``, decoded within ``limits`` and re-encoded to fit ``box``.

        With ``box.crop``, only that part of the upright picture is brought to the box; a crop
        reaching outside the picture raises :class:`~imagecore.errors.CropOutside`.
        """
        ...


class AvatarPainter(Protocol):
    """Draws default avatars as pictures of pixels, for the places an SVG does not go (mail,
    native apps, link previews) and for small sizes."""

    @property
    def edition(self) -> str:
        """Eight hex digits naming everything besides the avatar that shapes its drawings
        (fonts, library versions): they go into the WebPs' keys, which must change whenever
        their bytes would."""
        ...

    def can_paint(self, avatar: Avatar) -> bool:
        """Whether it draws ``avatar`` as its SVG shows it (initials need a font that has their
        letters); where it cannot, the avatar is served as SVG alone."""
        ...

    def paint(self, avatar: Avatar, width: int) -> bytes:
        """``avatar`` as a WebP square ``width`` pixels wide, the same bytes every time."""
        ...


class DecodeSlots(Protocol):
    """Room for a bounded number of decodes at once, counted among everyone sharing the slots:
    the threads of one process, or every worker process of a server."""

    def try_take(self) -> Callable[[], None] | None:
        """A free slot, as the call that frees it again; ``None`` when every slot is taken.

        Never waits: a caller that may wait polls, without holding a thread meanwhile. Raises
        :class:`~imagecore.errors.BackendError` when the slots cannot be used at all.
        """
        ...


class RateCounter(Protocol):
    """Counts events per key and window, in a store every worker shares.

    Failures raise :class:`~imagecore.errors.RepositoryError`.
    """

    def hit(self, key: str, window: int, expires: float) -> int:
        """Count one event for ``key`` in ``window``; the count in that window, this one included.

        ``expires`` (seconds since the epoch) is when the window's count may be forgotten.
        """
        ...

    def release(self, key: str, window: int) -> None:
        """Take back one hit of ``key`` in ``window``: the event it counted did not happen."""
        ...


class Blocklist(Protocol):
    """The pictures taken down and kept down, in a store every worker shares.

    Failures raise :class:`~imagecore.errors.RepositoryError`.
    """

    def add(self, entry: BlockedPicture, records: Sequence[AuditRecord] = ()) -> bool:
        """Block ``entry``'s picture and append ``records`` to the audit log, in one
        transaction; an entry already there (the same hashes) changes nothing, and its records
        are not appended. Whether it was added."""
        ...

    def add_all(
        self, entries: Iterable[BlockedPicture], records: Sequence[AuditRecord] = ()
    ) -> int:
        """Add each entry not there already, and ``records`` (if one was added), in one
        transaction: an imported list of thousands at the cost of one write. How many were
        added."""
        ...

    def remove(self, entry: BlockedPicture, records: Sequence[AuditRecord] = ()) -> bool:
        """Unblock every entry holding ``entry``'s exact or PDQ hash (as its own, or as one of
        its crops'), and append ``records``, in one transaction; removing what is not there is
        no error and appends nothing. Whether one was there."""
        ...

    def match(self, fingerprint: Fingerprint) -> BlockedPicture | None:
        """The entry whose picture ``fingerprint`` is, if any (see :mod:`imagecore.blocking`)."""
        ...

    def entries(self) -> Iterator[BlockedPicture]:
        """Every entry, in no particular order."""
        ...


class AuditLog(Protocol):
    """The records of every change, appended by the stores that make the changes (each in its
    own write's transaction), read and pruned here.

    Failures raise :class:`~imagecore.errors.RepositoryError`.
    """

    def history(self, user_id: str) -> list[AuditRecord]:
        """The records of changes to ``user_id``'s images, oldest first."""
        ...

    def prune(self, before: datetime) -> int:
        """Remove the records made before ``before``; how many went."""
        ...


class Reports(Protocol):
    """Users' reports on other users' images, open until a moderator acts on them.

    Failures raise :class:`~imagecore.errors.RepositoryError`.
    """

    def file(self, report: Report, records: Sequence[AuditRecord] = ()) -> None:
        """Open ``report`` and append ``records``, in one transaction; if its reporter's report
        on the same image (owner, slot and key) is open still, raise
        :class:`~imagecore.moderation_errors.AlreadyReported` and change nothing."""
        ...

    def open(self) -> list[Report]:
        """Every open report, oldest first."""
        ...

    def close(
        self,
        owner: str,
        slot: Slot,
        records: Sequence[AuditRecord] = (),
        *,
        key: str | None = None,
    ) -> int:
        """Close every open report on ``owner``'s image in ``slot`` (only those on the image at
        ``key``, where given) and append ``records``, in one transaction (none if no report was
        open); how many closed."""
        ...


class UniqueNames(Protocol):
    """Produces the part of a stored name that changes on every upload."""

    def __call__(self) -> str:
        """A fresh, unguessable string of letters and digits."""
        ...
