"""ImageSlots: the use cases a request meets (look, replace, describe, delete, serve).

Each change goes through a unit of work (:mod:`imagecore.unit_of_work`), which writes, commits
and removes in the only order that loses nothing; the operators' sweep, audit and rebuild are in
:mod:`imagecore.housekeeping`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime

import attrs

from imagecore import rules
from imagecore.audit import Action, Actor, AuditRecord, record_on
from imagecore.avatar_drawings import AvatarDrawings
from imagecore.avatars import SIDE, AvatarFile, AvatarPolicy, AvatarStyle
from imagecore.blocking import BlockedPicture
from imagecore.errors import CropOutside, InvalidCrop, MediaNotFound, SlotEmpty
from imagecore.model import (
    DEFAULTS_FOLDER,
    MEDIA_TYPES,
    DefaultImage,
    EncodedImage,
    Focus,
    MediaFile,
    Owner,
    Shown,
    Slot,
    StoredImage,
    StoredStream,
    UserImages,
    shipped_default,
)
from imagecore.moderation_errors import ImageReplaced
from imagecore.policies import DEFAULT_POLICIES, Crop, ImageLimits, SlotPolicy, check_policies
from imagecore.ports import (
    AvatarPainter,
    Blocklist,
    ImageCodec,
    ImageRepository,
    ImageStorage,
    UniqueNames,
)
from imagecore.rejections import PictureBlocked
from imagecore.unit_of_work import MAX_ATTEMPTS, UnitOfWork, unit_of_work, utc_now

log = logging.getLogger(__name__)


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
        default=DEFAULT_POLICIES, validator=lambda _, __, value: check_policies(value)
    )
    limits: ImageLimits = attrs.field(factory=ImageLimits)
    unique: UniqueNames = random_unique
    #: How often a write is retried when another writer commits first.
    max_attempts: int = attrs.field(default=MAX_ATTEMPTS, validator=attrs.validators.ge(1))
    #: The pictures taken down, which uploads may not bring back; None for none.
    blocklist: Blocklist | None = None
    #: The time the audit log's records are stamped with.
    clock: Callable[[], datetime] = utc_now
    #: Default avatars of one's own for empty profile slots; None (or the image style): the
    #: profile policy's fallback picture for everyone.
    avatars: AvatarPolicy | None = None
    #: Draws those avatars as WebP at the profile's variant widths; None: SVG alone.
    painter: AvatarPainter | None = None

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

    def shown(self, images: UserImages, owner: Owner | None = None) -> dict[Slot, Shown]:
        """What each slot displays: the user's image, else the slot's fallback (for the profile,
        ``owner``'s own avatar where the service draws them), else nothing."""
        return {slot: self._shown(images, slot, owner) for slot in Slot}

    def upload(
        self,
        user_id: str,
        files: Mapping[Slot, bytes],
        descriptions: Mapping[Slot, str] | None = None,
        crops: Mapping[Slot, Crop] | None = None,
        actor: Actor | None = None,
        focuses: Mapping[Slot, Focus] | None = None,
    ) -> UserImages:
        """Replace the image in each given slot, all or nothing, each with its description from
        ``descriptions`` (none given: none, since the old one described the old picture), and
        framed by its crop from ``crops`` (none given: the whole picture), with its focal point
        from ``focuses`` (a point of the upright picture to keep in view; none given: one the
        codec suggests). ``actor`` is who does it, for the audit log: the user, unless said.

        Every file, description and crop is checked before anything is written, so one bad
        file changes nothing.
        """
        alts, framing, focus = rules.upload_extras(
            files, descriptions or {}, crops or {}, focuses or {}, self.limits.max_bytes
        )
        encoded = {
            slot: self._encode(slot, data, framing.get(slot), focus.get(slot))
            for slot, data in files.items()
        }
        for slot, image in encoded.items():
            self._check_not_blocked(slot, image)
        uploads: dict[Slot, StoredImage] = {}
        with self._unit_of_work(user_id, actor) as work:
            for slot, image in encoded.items():
                key = rules.image_key(self.policies[slot], user_id, self.unique(), image.extension)
                work.write(key, image.data)
                variants, still = work.write_renditions(key, image)
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
                    fingerprint=image.fingerprint,
                    focus=image.focus,
                )
            return work.commit(lambda images: self._replace(images, encoded, uploads))

    def _on(
        self, image: StoredImage, action: Action, actor: Actor, user_id: str, slot: Slot, why: str
    ) -> AuditRecord:
        at = self.clock()
        return record_on(
            image, at=at, actor=actor, action=action, user_id=user_id, slot=slot, detail=why
        )

    def _replace(
        self,
        images: UserImages,
        encoded: Mapping[Slot, EncodedImage],
        uploads: Mapping[Slot, StoredImage],
    ) -> rules.Change:
        # Checked again at the commit: a takedown of this picture may have blocked it since
        # the check before the writes (the files are then discarded). What is left is the
        # moment between this read and the save.
        for slot, image in encoded.items():
            self._check_not_blocked(slot, image)
        return rules.replace(images, uploads)

    def _check_not_blocked(self, slot: Slot, image: EncodedImage) -> None:
        """Refuses a picture that was taken down, before anything of the upload is written."""
        if self.blocklist is None or image.fingerprint is None:
            return
        if self.blocklist.match(image.fingerprint) is not None:
            raise PictureBlocked(slot)

    def _encode(
        self, slot: Slot, data: bytes, crop: Crop | None, focus: Focus | None = None
    ) -> EncodedImage:
        box = self.policies[slot].box
        try:
            return self.codec.encode(data, attrs.evolve(box, crop=crop, focus=focus), self.limits)
        except CropOutside as outside:
            raise InvalidCrop(slot, "outside", outside.picture) from None

    def describe(
        self,
        user_id: str,
        descriptions: Mapping[Slot, str],
        actor: Actor | None = None,
        focuses: Mapping[Slot, Focus] | None = None,
    ) -> UserImages:
        """Change the descriptions of the user's uploaded images; :class:`SlotEmpty` for a slot
        without one (a default image's description is not the user's to change)."""
        if not descriptions and not focuses:
            raise ValueError("no description or focus to change")
        alts = {slot: rules.description(slot, text) for slot, text in descriptions.items()}
        with self._unit_of_work(user_id, actor) as work:
            return work.commit(lambda images: rules.describe(images, alts, focuses))

    def delete(self, user_id: str, slot: Slot, actor: Actor | None = None) -> UserImages:
        """Empty the slot, then remove its file."""
        with self._unit_of_work(user_id, actor) as work:
            return work.commit(lambda images: rules.delete(images, slot))

    def take_down(
        self, user_id: str, slot: Slot, reason: str, actor: Actor, key: str | None = None
    ) -> StoredImage:
        """A moderator's removal of the user's image in ``slot``, for ``reason``: the picture
        is blocked first (where a blocklist is kept), so that no upload brings it back
        meanwhile; then the slot is emptied and the image and its variants leave storage. The
        image taken down.

        With ``key`` (the image the moderator saw), an image its owner put there since is left
        alone: :class:`ImageReplaced`, and nothing blocked."""
        image = self.repository.get(user_id).get(slot)
        if image is None:
            raise SlotEmpty(slot, "take down")
        if key is not None and image.key != key:
            raise ImageReplaced(slot, key)
        entry = None
        if self.blocklist is not None and image.fingerprint is not None:
            entry = BlockedPicture.taken_down(image.fingerprint, reason)
            record = self._on(image, Action.BLOCK, actor, user_id, slot, reason)
            if not self.blocklist.add(entry, [record]):
                entry = None  # blocked before: not this takedown's to take back
        try:
            with self._unit_of_work(user_id, actor) as work:
                work.commit(
                    lambda images: rules.take_down(images, slot, image.key),
                    Action.TAKEDOWN,
                    reason,
                )
        except ImageReplaced:
            # Replaced between the read and the commit: nothing was taken down, so neither is
            # the picture blocked by this takedown.
            if self.blocklist is not None and entry is not None:
                why = "the takedown found another image"
                undo = self._on(image, Action.UNBLOCK, actor, user_id, slot, why)
                self.blocklist.remove(BlockedPicture(exact=entry.exact), [undo])
            raise
        return image

    def is_upload(self, key: str) -> bool:
        """Whether ``key`` names an upload the media route may serve, told from the name alone
        (an upload's name never changes its bytes: a cache may trust the name)."""
        folders = {policy.folder for policy in self.policies.values()}
        return rules.is_servable(key, folders)

    def media(self, key: str) -> MediaFile:
        """The file at ``key``, if it is one the media route may serve: an upload from storage,
        a default image from the core's own files, or a default avatar, drawn."""
        drawn = AvatarFile.from_key(key)
        if drawn is not None:
            return self._drawings().file(drawn)
        if rules.is_servable(key, {DEFAULTS_FOLDER}):
            data = shipped_default(key)
            stream, immutable = StoredStream(len(data), (data,)), False
        elif self.is_upload(key):
            stream, immutable = self.storage.stream(key), True
        else:
            raise MediaNotFound(key)
        return MediaFile(key, MEDIA_TYPES[key.rpartition(".")[2]], immutable, stream)

    def _unit_of_work(
        self, user_id: str, actor: Actor | None = None
    ) -> AbstractContextManager[UnitOfWork]:
        return unit_of_work(
            self.storage, self.repository, user_id, self.max_attempts, actor, self.clock
        )

    def _drawings(self) -> AvatarDrawings:
        """How default avatars are drawn: WebPs at the profile's widths narrower than the SVG."""
        return AvatarDrawings(self.painter, self.policies[Slot.PROFILE].box.variant_widths(SIDE))

    def _shown(self, images: UserImages, slot: Slot, owner: Owner | None) -> Shown:
        image = images.get(slot)
        if image is not None:
            return image
        drawn = self.avatars is not None and self.avatars.style is not AvatarStyle.IMAGE
        if slot is Slot.PROFILE and owner is not None and drawn:
            assert self.avatars is not None
            avatar = self.avatars.avatar(owner.user_id, owner.display_name)
            return DefaultImage(avatar.key, self._drawings().image(avatar))
        fallback = self.policies[slot].fallback
        return DefaultImage(fallback) if fallback is not None else None
