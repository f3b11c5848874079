"""What operators run between requests: the sweep of files nobody references, the audit of
storage against the repository, and the rebuild of variants after their settings changed.

None of it is on a request's path; each reads and writes through the same ports, and the
rebuild changes images through the same unit of work as an upload.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import attrs

from imagecore import rules
from imagecore.audit import Actor
from imagecore.errors import ImageCoreError, MediaNotFound, SweepRefused
from imagecore.model import Slot, StoredFile, StoredImage
from imagecore.service import ImageSlots
from imagecore.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

#: How old an unreferenced file must be before a sweep removes it: an upload writes its file a
#: moment before it commits the reference, and an hour leaves room for the slowest.
SWEEP_MIN_AGE = 3600


@attrs.frozen
class SweepReport:
    """What a sweep found and did."""

    seen: int
    kept: int
    removed: int
    bytes_freed: int
    dry_run: bool


@attrs.frozen
class RebuildReport:
    """What a rebuild of every stored image's variants found and did."""

    users: int
    #: Images seen (of the users that did not fail): rebuilt, current, or replaced meanwhile.
    images: int
    rebuilt: int
    #: Images that already had what a rebuild would make, and were left as they were.
    current: int
    #: Each user whose images could not be rebuilt, with why; their old variants still serve.
    failed: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class AuditReport:
    """Where storage and repository disagree."""

    #: Keys some user's images reference that no file is stored under.
    missing: tuple[str, ...]
    #: Files in the slot folders that no user's images reference.
    orphans: tuple[StoredFile, ...]

    @property
    def consistent(self) -> bool:
        return not self.missing and not self.orphans


@attrs.frozen
class Housekeeping:
    """The sweep, the audit and the rebuild of variants, over one service's ports and settings."""

    slots: ImageSlots

    def sweep(
        self,
        *,
        min_age: float = SWEEP_MIN_AGE,
        dry_run: bool = False,
        allow_empty_repository: bool = False,
        now: float | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SweepReport:
        """Remove files no image references, if older than ``min_age`` seconds.

        Such files are what a crash or a failed clean-up leaves behind. The folders are listed
        before the references are read, so a file committed meanwhile is seen as referenced.
        ``progress`` is called with (files done, files in all) as the sweep goes.
        """
        files = self._slot_files()
        referenced = frozenset(self.slots.repository.references())
        if files and not referenced and not allow_empty_repository:
            raise SweepRefused(len(files))
        garbage = {
            f.key
            for f in rules.sweepable(
                files, referenced, now=time.time() if now is None else now, min_age=min_age
            )
        }
        removed = freed = 0
        for done, file in enumerate(files, 1):
            if file.key in garbage:
                if not dry_run:
                    self.slots.storage.delete(file.key)
                removed += 1
                freed += file.size
            if progress is not None:
                progress(done, len(files))
        return SweepReport(len(files), len(files) - removed, removed, freed, dry_run)

    def audit(self) -> AuditReport:
        """References whose file is missing, and files nobody references. Changes nothing."""
        files = self._slot_files()
        referenced = frozenset(self.slots.repository.references())
        stored = {f.key for f in files}
        return AuditReport(
            missing=tuple(sorted(referenced - stored)),
            orphans=tuple(f for f in files if f.key not in referenced),
        )

    def rebuild_variants(
        self, *, progress: Callable[[int, int], None] | None = None
    ) -> RebuildReport:
        """Remake every stored image's variants, still and placeholder with today's codec and
        boxes (after their settings changed), leaving alone the images that already have them.

        Each user's new files are written, then committed, then the old ones removed, as for an
        upload: an interruption at any point leaves every image served, and a second run picks
        up where the first stopped. ``progress`` is called with (users done, users in all).
        """
        users = list(self.slots.repository.users())
        images = rebuilt = current = 0
        failed: list[tuple[str, str]] = []
        for done, user_id in enumerate(users, 1):
            try:
                seen, changed, unchanged = self._rebuild(user_id)
            except ImageCoreError as error:
                log.warning("could not rebuild the variants of user %r: %s", user_id, error)
                failed.append((user_id, str(error)))
            else:
                images, rebuilt, current = images + seen, rebuilt + changed, current + unchanged
            if progress is not None:
                progress(done, len(users))
        return RebuildReport(len(users), images, rebuilt, current, tuple(failed))

    def _rebuild(self, user_id: str) -> tuple[int, int, int]:
        """Rebuild one user's images: (images seen, rebuilt, already current). An image replaced
        or deleted meanwhile is neither: its new owner brought its own variants."""
        slots = self.slots
        images = slots.current(user_id)
        stored = {slot: image for slot in Slot if (image := images.get(slot)) is not None}
        current = 0
        rebuilt: dict[Slot, StoredImage] = {}
        with unit_of_work(
            slots.storage,
            slots.repository,
            user_id,
            slots.max_attempts,
            Actor.command("variants"),
            slots.clock,
        ) as work:
            for slot, image in stored.items():
                # The stored image's own size, in fit mode: the slot's box, or its mode, may
                # have changed since, and the variants must be of the picture that is stored.
                box = attrs.evolve(
                    slots.policies[slot].box, width=image.width, height=image.height, fill=False
                )
                if rules.follows(image, box):
                    current += 1
                    continue
                data = self._stored_bytes(user_id, image.key)
                if data is None:
                    continue
                # The service wrote the file: it is not held to today's upload limit on bytes.
                limits = attrs.evolve(
                    slots.limits, max_bytes=max(slots.limits.max_bytes, len(data))
                )
                made = slots.codec.encode(data, box, limits)
                if rules.same_renditions(image, made):
                    current += 1
                    continue
                # New names: the old files serve until the commit, and a name never changes
                # its bytes (caches keep them for a year).
                variants, still = work.write_renditions(image.key, made, slots.unique())
                placeholder = made.placeholder or image.placeholder
                rebuilt[slot] = attrs.evolve(
                    image, variants=variants, still=still, placeholder=placeholder
                )
            if not rebuilt:
                return len(stored), 0, current
            kept = work.commit(lambda now: rules.revariant(now, rebuilt)).references()
        still_there = [slot for slot, image in rebuilt.items() if image.key in kept]
        return len(stored), len(still_there), current

    def _stored_bytes(self, user_id: str, key: str) -> bytes | None:
        """The file at ``key``; None if it went because the user replaced or deleted the image
        meanwhile (a file missing while still referenced is an error)."""
        try:
            return self.slots.storage.read(key)
        except MediaNotFound:
            if key in self.slots.current(user_id).references():
                raise
            return None

    def _slot_files(self) -> list[StoredFile]:
        return [
            file
            for policy in self.slots.policies.values()
            for file in self.slots.storage.list(policy.folder)
        ]
