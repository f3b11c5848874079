"""An image repository in a dict: for tests, and for apps that keep state elsewhere or not at all.

It is safe to share between threads. It forgets everything when the process ends, and every
process has its own: do not use it behind more than one server worker.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import attrs

from imagecore import ConcurrentUpdate, ImageRepository, UserImages


class MemoryRepository(ImageRepository):
    """Keeps each user's images in a dict behind a lock, with compare-and-set on the version."""

    def __init__(self) -> None:
        self._images: dict[str, UserImages] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str) -> UserImages:
        with self._lock:
            return self._images.get(user_id, UserImages())

    def save(self, user_id: str, images: UserImages) -> UserImages:
        with self._lock:
            stored = self._images.get(user_id, UserImages())
            if stored.version != images.version:
                raise ConcurrentUpdate()
            committed = attrs.evolve(images, version=images.version + 1)
            self._images[user_id] = committed
            return committed

    def references(self) -> Iterator[str]:
        with self._lock:
            keys = [key for images in self._images.values() for key in images.references()]
        yield from keys
