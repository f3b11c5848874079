"""One change to a user's images, in the only order that loses nothing.

Every new file is written, then the change is committed, then the files it replaced are removed.
A crash between steps can leave a file nobody references (a sweep removes it later), never a
reference to a file that is not there. Every use case that writes goes through here::

    with unit_of_work(storage, repository, user_id) as work:
        work.write(key, data)
        images = work.commit(lambda now: rules.replace(now, uploads))
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

import attrs

from imagecore import rules
from imagecore.audit import Action, Actor, records_of
from imagecore.errors import ConcurrentUpdate, ImageCoreError, RepositoryError, VersionConflict
from imagecore.model import EncodedImage, UserImages, Variant
from imagecore.ports import ImageRepository, ImageStorage

log = logging.getLogger(__name__)

#: How often a commit is retried when another writer commits first.
MAX_ATTEMPTS = 8


def utc_now() -> datetime:
    return datetime.now(UTC)


@attrs.define
class UnitOfWork:
    """The files one change wrote, and its commit once made, with its records for the audit
    log: ``actor`` made it (the user, unless said), at the time ``clock`` gives."""

    storage: ImageStorage
    repository: ImageRepository
    user_id: str
    max_attempts: int = MAX_ATTEMPTS
    actor: Actor | None = None
    clock: Callable[[], datetime] = utc_now
    #: Every key written, noted before its write: a write that reports failure may have landed.
    written: list[str] = attrs.field(factory=list)
    change: rules.Change | None = None

    def write(self, key: str, data: bytes) -> None:
        self.written.append(key)
        self.storage.write(key, data)

    def write_renditions(
        self, key: str, image: EncodedImage, tag: str = ""
    ) -> tuple[tuple[Variant, ...], Variant | None]:
        """Write ``image``'s variants and still beside ``key``, their names marked with ``tag``
        when not empty."""
        mark = f"{tag}_" if tag else ""

        def write(suffix: str, variant: EncodedImage) -> Variant:
            variant_key = rules.variant_key(key, suffix, variant.extension)
            self.write(variant_key, variant.data)
            return Variant(
                variant_key, variant.media_type, variant.width, variant.height, len(variant.data)
            )

        variants = tuple(write(f"{mark}w{v.width}", v) for v in image.variants)
        still = None if image.still is None else write(f"{mark}still", image.still)
        return variants, still

    def commit(
        self,
        decide: Callable[[UserImages], rules.Change],
        action: Action | None = None,
        detail: str = "",
    ) -> UserImages:
        """Save what ``decide`` makes of the user's images as they are now, retried from a fresh
        read when another writer committed first; the images as committed. Its records tell
        of each slot changed as ``action`` (else as what happened to it), with ``detail``."""
        for attempt in range(self.max_attempts):
            if attempt:
                # Writers that collided once would collide again if they retried in step.
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
            before = self.repository.get(self.user_id)
            change = decide(before)
            if change.images == before and not change.garbage:
                self.change = change  # nothing to commit: a rebuild whose images were replaced
                return before
            records = records_of(
                before,
                change.images,
                user_id=self.user_id,
                actor=self.actor or Actor.user(self.user_id),
                at=self.clock(),
                action=action,
                detail=detail,
            )
            try:
                committed = self.repository.save(self.user_id, change.images, records)
            except VersionConflict:
                continue
            except RepositoryError:
                # The save may have been committed before the error (a connection lost on the
                # way back): if it was, the change has happened, and finishing it loses nothing.
                committed = attrs.evolve(change.images, version=change.images.version + 1)
                if not self._reads_back(committed):
                    raise
            self.change = attrs.evolve(change, images=committed)
            return committed
        raise ConcurrentUpdate()

    def finish(self) -> None:
        """Remove what the commit replaced, and what this unit wrote that nobody references
        (files made for an image replaced meanwhile); without a commit, discard what it wrote."""
        if self.change is None:
            self.discard()
            return
        kept = self.change.images.references()
        remove(self.storage, [*self.change.garbage, *(k for k in self.written if k not in kept)])

    def discard(self) -> None:
        """After a failure, remove the new files unless a commit did reference them.

        A repository failure may hide a commit that went through, so the files are removed only
        once the repository says they are unreferenced; if it cannot say, the sweep will.
        """
        if not self.written:
            return
        try:
            referenced = self.repository.get(self.user_id).references()
        except ImageCoreError:
            log.warning(
                "left %d new file(s) for the sweep: repository unreadable", len(self.written)
            )
            return
        remove(self.storage, (key for key in self.written if key not in referenced))

    def _reads_back(self, images: UserImages) -> bool:
        try:
            return self.repository.get(self.user_id) == images
        except ImageCoreError:
            return False


@contextlib.contextmanager
def unit_of_work(
    storage: ImageStorage,
    repository: ImageRepository,
    user_id: str,
    max_attempts: int = MAX_ATTEMPTS,
    actor: Actor | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Iterator[UnitOfWork]:
    """A unit of work for one user: finished when the block ends, discarded if it raises
    (a crash, BaseException, included)."""
    work = UnitOfWork(storage, repository, user_id, max_attempts, actor, clock)
    try:
        yield work
    except BaseException:
        work.discard()
        raise
    work.finish()


def remove(storage: ImageStorage, keys: Iterable[str]) -> None:
    """Remove each file, as far as storage lets us: the change is committed already, and a file
    that cannot be removed now is an orphan the sweep removes later, not a reason to fail."""
    for key in keys:
        try:
            storage.delete(key)
        except ImageCoreError:
            log.warning("could not remove %s; the sweep will", key, exc_info=True)
