"""ImageSlots: the use cases, each in the only order that loses nothing.

A new file is written before the reference to it is committed, and an old file is removed only
after the reference to it is gone. A crash between steps can leave a file nobody references (a
sweep removes it later), never a reference to a file that is not there.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from importlib.resources import files

import attrs

from imagecore import rules
from imagecore.errors import (
    ConcurrentUpdate,
    CropOutside,
    ImageCoreError,
    ImageTooLarge,
    InvalidCrop,
    InvalidDescription,
    MediaNotFound,
    NothingToUpload,
    RepositoryError,
    SweepRefused,
    VersionConflict,
)
from imagecore.model import (
    DEFAULT_IMAGES,
    DEFAULT_POLICIES,
    DEFAULTS_FOLDER,
    MEDIA_TYPES,
    AuditReport,
    Crop,
    DefaultImage,
    EncodedImage,
    ImageLimits,
    MediaFile,
    RebuildReport,
    Shown,
    Slot,
    SlotPolicy,
    StoredFile,
    StoredImage,
    StoredStream,
    SweepReport,
    UserImages,
    Variant,
)
from imagecore.ports import ImageCodec, ImageRepository, ImageStorage, UniqueNames

log = logging.getLogger(__name__)


#: How old an unreferenced file must be before a sweep removes it: an upload writes its file a
#: moment before it commits the reference, and an hour leaves room for the slowest.
SWEEP_MIN_AGE = 3600


def random_unique() -> str:
    """64 random bits as 16 hex digits: unguessable, and new on every upload."""
    return secrets.token_hex(8)


@attrs.frozen
class ImageSlots:
    """A user's profile and cover images: look, replace, delete, serve."""

    storage: ImageStorage
    repository: ImageRepository
    codec: ImageCodec
    #: Each slot's folder, box and fallback.
    policies: Mapping[Slot, SlotPolicy] = attrs.field(
        default=DEFAULT_POLICIES, validator=lambda _, __, value: _check_policies(value)
    )
    limits: ImageLimits = attrs.field(factory=ImageLimits)
    unique: UniqueNames = random_unique
    #: How often a write is retried when another writer commits first.
    max_attempts: int = attrs.field(default=8, validator=attrs.validators.ge(1))

    def __attrs_post_init__(self) -> None:
        if max(self.limits.max_pixels, self.limits.max_declared_pixels) > self.codec.max_pixels:
            # The limit the API publishes must be the one that holds.
            raise ValueError(
                f"limits.max_pixels is {self.limits.max_pixels:,} and max_declared_pixels "
                f"{self.limits.max_declared_pixels:,}, but the codec decodes images "
                f"of at most {self.codec.max_pixels:,} pixels"
            )

    def current(self, user_id: str) -> UserImages:
        """The user's images, as stored; :meth:`shown` says what each slot displays."""
        return self.repository.get(user_id)

    def shown(self, images: UserImages) -> dict[Slot, Shown]:
        """What each slot displays: the user's image, else the slot's fallback, else nothing."""
        return {slot: self._shown(images, slot) for slot in Slot}

    def upload(
        self,
        user_id: str,
        files: Mapping[Slot, bytes],
        descriptions: Mapping[Slot, str] | None = None,
        crops: Mapping[Slot, Crop] | None = None,
    ) -> UserImages:
        """Replace the image in each given slot, all or nothing, each with its description from
        ``descriptions`` (none given: none, since the old one described the old picture), and
        framed by its crop from ``crops`` (none given: the whole picture).

        Every file, description and crop is checked before anything is written, so one bad
        file changes nothing.
        """
        if not files:
            raise NothingToUpload()
        alts = {slot: rules.description(slot, text) for slot, text in (descriptions or {}).items()}
        for slot in alts.keys() - files.keys():
            raise InvalidDescription(slot, "without its image", rules.MAX_DESCRIPTION)
        framing = {slot: rules.crop(slot, region) for slot, region in (crops or {}).items()}
        for slot in framing.keys() - files.keys():
            raise InvalidCrop(slot, "without its image")
        for data in files.values():
            if len(data) > self.limits.max_bytes:
                raise ImageTooLarge("file", len(data), self.limits.max_bytes, "bytes")
        encoded = {
            slot: self._encode(slot, data, framing.get(slot)) for slot, data in files.items()
        }
        written: list[str] = []
        try:
            uploads: dict[Slot, StoredImage] = {}
            for slot, image in encoded.items():
                key = rules.image_key(self.policies[slot], user_id, self.unique(), image.extension)
                # Each key is noted before its write: a write that reports failure may still
                # have landed.
                written.append(key)
                self.storage.write(key, image.data)
                variants, still = self._write_renditions(key, image, "", written)
                uploads[slot] = StoredImage(
                    key=key,
                    media_type=image.media_type,
                    width=image.width,
                    height=image.height,
                    size=len(image.data),
                    alt=alts.get(slot, ""),
                    placeholder=image.placeholder,
                    variants=variants,
                    still=still,
                )
            change = self._commit(user_id, lambda images: rules.replace(images, uploads))
        except BaseException:
            self._discard_unreferenced(user_id, written)
            raise
        self._remove(change.garbage)
        return change.images

    def rebuild_variants(
        self, *, progress: Callable[[int, int], None] | None = None
    ) -> RebuildReport:
        """Remake every stored image's variants, still and placeholder with today's codec and
        boxes (after their settings changed), leaving alone the images that already have them.

        Each user's new files are written, then committed, then the old ones removed, as for an
        upload: an interruption at any point leaves every image served, and a second run picks
        up where the first stopped. ``progress`` is called with (users done, users in all).
        """
        users = list(self.repository.users())
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
        images = self.repository.get(user_id)
        stored = {slot: image for slot in Slot if (image := images.get(slot)) is not None}
        written: list[str] = []
        current = 0
        try:
            rebuilt: dict[Slot, StoredImage] = {}
            for slot, image in stored.items():
                # The stored image's own size, in fit mode: the slot's box, or its mode, may
                # have changed since, and the variants must be of the picture that is stored.
                box = attrs.evolve(
                    self.policies[slot].box, width=image.width, height=image.height, fill=False
                )
                if rules.follows(image, box):
                    current += 1
                    continue
                data = self._stored_bytes(user_id, image.key)
                if data is None:
                    continue
                # The service wrote the file: it is not held to today's upload limit on bytes.
                limits = attrs.evolve(self.limits, max_bytes=max(self.limits.max_bytes, len(data)))
                made = self.codec.encode(data, box, limits)
                if rules.same_renditions(image, made):
                    current += 1
                    continue
                # New names: the old files serve until the commit, and a name never changes
                # its bytes (caches keep them for a year).
                variants, still = self._write_renditions(image.key, made, self.unique(), written)
                placeholder = made.placeholder or image.placeholder
                rebuilt[slot] = attrs.evolve(
                    image, variants=variants, still=still, placeholder=placeholder
                )
            if not rebuilt:
                return len(stored), 0, current
            change = self._commit(user_id, lambda now: rules.revariant(now, rebuilt))
        except BaseException:
            self._discard_unreferenced(user_id, written)
            raise
        kept = change.images.references()
        # Files made for an image that an upload replaced meanwhile are nobody's.
        self._remove([*change.garbage, *(key for key in written if key not in kept)])
        still_there = [slot for slot, image in rebuilt.items() if image.key in kept]
        return len(stored), len(still_there), current

    def _stored_bytes(self, user_id: str, key: str) -> bytes | None:
        """The file at ``key``; None if it went because the user replaced or deleted the image
        meanwhile (a file missing while still referenced is an error)."""
        try:
            return self.storage.read(key)
        except MediaNotFound:
            if key in self.repository.get(user_id).references():
                raise
            return None

    def _encode(self, slot: Slot, data: bytes, crop: Crop | None) -> EncodedImage:
        box = self.policies[slot].box
        try:
            return self.codec.encode(data, attrs.evolve(box, crop=crop), self.limits)
        except CropOutside as outside:
            raise InvalidCrop(slot, "outside", outside.picture) from None

    def _write_renditions(
        self, key: str, image: EncodedImage, tag: str, written: list[str]
    ) -> tuple[tuple[Variant, ...], Variant | None]:
        """Write ``image``'s variants and still beside ``key``, their names marked with ``tag``
        when not empty."""
        mark = f"{tag}_" if tag else ""
        variants = tuple(
            self._write_variant(key, f"{mark}w{variant.width}", variant, written)
            for variant in image.variants
        )
        still = (
            None
            if image.still is None
            else self._write_variant(key, f"{mark}still", image.still, written)
        )
        return variants, still

    def _write_variant(
        self, key: str, suffix: str, variant: EncodedImage, written: list[str]
    ) -> Variant:
        variant_key = rules.variant_key(key, suffix, variant.extension)
        written.append(variant_key)
        self.storage.write(variant_key, variant.data)
        return Variant(
            variant_key, variant.media_type, variant.width, variant.height, len(variant.data)
        )

    def describe(self, user_id: str, descriptions: Mapping[Slot, str]) -> UserImages:
        """Change the descriptions of the user's uploaded images; :class:`SlotEmpty` for a slot
        without one (a default image's description is not the user's to change)."""
        if not descriptions:
            raise ValueError("no description to change")
        alts = {slot: rules.description(slot, text) for slot, text in descriptions.items()}
        return self._commit(user_id, lambda images: rules.describe(images, alts)).images

    def delete(self, user_id: str, slot: Slot) -> UserImages:
        """Empty the slot, then remove its file."""
        change = self._commit(user_id, lambda images: rules.delete(images, slot))
        self._remove(change.garbage)
        return change.images

    def is_upload(self, key: str) -> bool:
        """Whether ``key`` names an upload the media route may serve, told from the name alone
        (an upload's name never changes its bytes: a cache may trust the name)."""
        folders = {policy.folder for policy in self.policies.values()}
        return rules.is_servable(key, folders)

    def media(self, key: str) -> MediaFile:
        """The file at ``key``, if it is one the media route may serve: an upload from storage,
        or a default image from the core's own files."""
        if rules.is_servable(key, {DEFAULTS_FOLDER}):
            data = _default_image(key)
            stream, immutable = StoredStream(len(data), (data,)), False
        elif self.is_upload(key):
            stream, immutable = self.storage.stream(key), True
        else:
            raise MediaNotFound(key)
        return MediaFile(key, MEDIA_TYPES[key.rpartition(".")[2]], immutable, stream)

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
        referenced = frozenset(self.repository.references())
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
                    self.storage.delete(file.key)
                removed += 1
                freed += file.size
            if progress is not None:
                progress(done, len(files))
        return SweepReport(len(files), len(files) - removed, removed, freed, dry_run)

    def audit(self) -> AuditReport:
        """References whose file is missing, and files nobody references. Changes nothing."""
        files = self._slot_files()
        referenced = frozenset(self.repository.references())
        stored = {f.key for f in files}
        return AuditReport(
            missing=tuple(sorted(referenced - stored)),
            orphans=tuple(f for f in files if f.key not in referenced),
        )

    def _shown(self, images: UserImages, slot: Slot) -> Shown:
        image = images.get(slot)
        if image is not None:
            return image
        fallback = self.policies[slot].fallback
        return DefaultImage(fallback) if fallback is not None else None

    def _slot_files(self) -> list[StoredFile]:
        return [
            file for policy in self.policies.values() for file in self.storage.list(policy.folder)
        ]

    def _commit(self, user_id: str, decide: Callable[[UserImages], rules.Change]) -> rules.Change:
        for attempt in range(self.max_attempts):
            if attempt:
                # Writers that collided once would collide again if they retried in step.
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
            before = self.repository.get(user_id)
            change = decide(before)
            if change.images == before and not change.garbage:
                return change  # nothing to commit: a rebuild whose images were all replaced
            try:
                committed = self.repository.save(user_id, change.images)
            except VersionConflict:
                continue
            except RepositoryError:
                # The save may have been committed before the error (a connection lost on the
                # way back): if it was, the change has happened, and finishing it loses nothing.
                committed = attrs.evolve(change.images, version=change.images.version + 1)
                if not self._reads_back(user_id, committed):
                    raise
            return attrs.evolve(change, images=committed)
        raise ConcurrentUpdate()

    def _reads_back(self, user_id: str, images: UserImages) -> bool:
        try:
            return self.repository.get(user_id) == images
        except ImageCoreError:
            return False

    def _discard_unreferenced(self, user_id: str, keys: list[str]) -> None:
        """After a failed upload, remove its new files unless a commit did reference them.

        A repository failure may hide a commit that went through, so the files are removed only
        once the repository says they are unreferenced; if it cannot say, the sweep will.
        """
        if not keys:
            return
        try:
            referenced = self.repository.get(user_id).references()
        except ImageCoreError:
            log.warning("left %d new file(s) for the sweep: repository unreadable", len(keys))
            return
        self._remove(key for key in keys if key not in referenced)

    def _remove(self, keys: Iterable[str]) -> None:
        # The change is committed already; a file that cannot be removed now is an orphan the
        # sweep removes later, not a reason to fail the request.
        for key in keys:
            try:
                self.storage.delete(key)
            except ImageCoreError:
                log.warning("could not remove %s; the sweep will", key, exc_info=True)


def _check_policies(policies: Mapping[Slot, SlotPolicy]) -> None:
    """Every slot has a policy, and every fallback is a default image the core ships."""
    if set(policies) != set(Slot):
        raise ValueError(f"policies must name every slot, got {sorted(s.value for s in policies)}")
    for slot, policy in policies.items():
        if policy.fallback is not None and policy.fallback not in DEFAULT_IMAGES:
            raise ValueError(
                f"the {slot.value} fallback {policy.fallback!r} is not one of the default images "
                f"in {DEFAULTS_FOLDER}"
            )


def _default_image(key: str) -> bytes:
    """A default image's bytes, from the files that ship with the core."""
    try:
        return (files(__package__) / "defaults" / key.removeprefix(DEFAULTS_FOLDER)).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise MediaNotFound(key) from None
