"""Uploads over slow storage (an object store far away, say): the decode limit is held for the
decode alone, so uploads beyond it are decoded and stored while others still write.

Real Pillow decodes and a real fsspec file system; only its writes are slowed, by a second each.
"""

from __future__ import annotations

import collections
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from litestar.testing import TestClient

from imagecore import ImageSlots, ImageStorage
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import HttpConfig, create_app
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec
from tests import images
from tests.http.support import API, TOKENS, bearer

WRITE_SECONDS = 1.0
UPLOADS = 12


class SlowStorage:
    """``storage``, each write taking ``WRITE_SECONDS`` more."""

    def __init__(self, storage: ImageStorage) -> None:
        self._storage = storage

    def write(self, key: str, data: bytes) -> None:
        time.sleep(WRITE_SECONDS)
        self._storage.write(key, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


def test_uploads_beyond_the_decode_limit_complete_while_others_write() -> None:
    """Twelve users upload at once to two decode slots that wait two seconds: each upload then
    writes five files (the picture and four variants), five seconds in all. Every upload is
    stored; none is answered 503 because others were writing."""
    storage = SlowStorage(FsspecStorage.from_url(f"memory://slow-{uuid.uuid4().hex}"))
    slots = ImageSlots(storage, MemoryRepository(), PillowCodec())  # type: ignore[arg-type]
    photo = images.jpeg((640, 480))
    with TestClient(create_app(slots, HttpConfig(tokens=TOKENS, decode_wait=2.0))) as client:

        def upload(n: int) -> int:
            files = {"profile_image": ("me.jpg", photo)}
            return client.post(API, headers=bearer(f"user{n}"), files=files).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(UPLOADS) as pool:
            statuses = collections.Counter(pool.map(upload, range(UPLOADS)))
        took = time.monotonic() - started
    print(
        f"{UPLOADS} uploads, 2 decode slots, writes of {WRITE_SECONDS:g} s: "
        f"{statuses[200]} stored, {statuses[503]} answered 503, in {took:.1f} s"
    )
    assert statuses == {200: UPLOADS}
