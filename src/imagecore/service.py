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

import attrs

from imagecore import rules
from imagecore.errors import ConcurrentUpdate, ImageCoreError, MediaNotFound, NothingToUpload
from imagecore.model import MEDIA_TYPES, MediaFile, Slot, StoredImage, UserImages
from imagecore.ports import ImageCodec, ImageRepository, ImageStorage, UniqueNames

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
    unique: UniqueNames = random_unique
    #: How often a write is retried when another writer commits first.
    max_attempts: int = attrs.field(default=8, validator=attrs.validators.ge(1))

    def current(self, user_id: str) -> UserImages:
        """The user's images; ``UserImages.shown`` gives what each slot displays."""
        return self.repository.get(user_id)

    def upload(self, user_id: str, files: Mapping[Slot, bytes]) -> UserImages:
        """Replace the image in each given slot, all or nothing.

        Every file is checked before anything is written, so one bad file changes nothing.
        """
        if not files:
            raise NothingToUpload()
        encoded = {slot: self.codec.encode(data, slot) for slot, data in files.items()}
        written: list[str] = []
        try:
            uploads: dict[Slot, StoredImage] = {}
            for slot, image in encoded.items():
                key = rules.image_key(slot, user_id, self.unique(), image.extension)
                self.storage.write(key, image.data)
                written.append(key)
                uploads[slot] = StoredImage(
                    key=key,
                    media_type=image.media_type,
                    width=image.width,
                    height=image.height,
                    size=len(image.data),
                )
            change = self._commit(user_id, lambda images: rules.replace(images, uploads))
        except BaseException:
            self._discard_unreferenced(user_id, written)
            raise
        self._remove(change.garbage)
        return change.images

    def delete(self, user_id: str, slot: Slot) -> UserImages:
        """Empty the slot, then remove its file."""
        change = self._commit(user_id, lambda images: rules.delete(images, slot))
        self._remove(change.garbage)
        return change.images

    def media(self, key: str) -> MediaFile:
        """The stored file at ``key``, if it is one the media route may serve."""
        if not rules.is_servable(key):
            raise MediaNotFound(key)
        data = self.storage.read(key)
        return MediaFile(key=key, data=data, media_type=MEDIA_TYPES[key.rpartition(".")[2]])

    def _commit(self, user_id: str, decide: Callable[[UserImages], rules.Change]) -> rules.Change:
        for attempt in range(self.max_attempts):
            if attempt:
                # Writers that collided once would collide again if they retried in step.
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
            change = decide(self.repository.get(user_id))
            try:
                committed = self.repository.save(user_id, change.images)
            except ConcurrentUpdate:
                continue
            return attrs.evolve(change, images=committed)
        raise ConcurrentUpdate()

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
