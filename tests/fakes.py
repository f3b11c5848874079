"""Fakes for the core's unit and property tests: small, honest, and watching what happens."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import attrs

from imagecore import (
    Box,
    EncodedImage,
    ImageCodec,
    ImageLimits,
    ImageStorage,
    MediaNotFound,
    Placeholder,
    StoredFile,
    StoredStream,
    UserImages,
)
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.audit import AuditRecord
from imagecore.errors import CropOutside
from imagecore.model import MEDIA_TYPES, Slot
from imagecore.policies import DEFAULT_POLICIES, SlotPolicy
from imagecore.rejections import InvalidImage, UnsupportedImageType

#: What FakeCodec accepts: bytes that start with this.
IMAGE = b"IMG:"
#: What FakeCodec makes of them.
STORED = b"PNG:"
#: The size of every picture FakeCodec is given, as far as a crop is concerned.
PICTURE = (1000, 1000)
PLACEHOLDER = Placeholder("00TSUA", "#808080")
EXTENSIONS = {media_type: extension for extension, media_type in MEDIA_TYPES.items()}


def image_bytes(label: str = "x") -> bytes:
    return IMAGE + label.encode()


#: What happened, in order: ("write", key), ("delete", key) or ("save", referenced keys).
Journal = list[tuple[str, object]]


class DictStorage(ImageStorage):
    """Storage in a dict that remembers every key it was ever asked to write.

    Given a journal, it also logs each write and delete there.
    """

    def __init__(
        self, journal: Journal | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.files: dict[str, bytes] = {}
        self.modified: dict[str, float] = {}
        self.clock = clock
        self.written: list[str] = []
        self.journal = journal if journal is not None else []

    def write(self, key: str, data: bytes) -> None:
        self.written.append(key)
        self.journal.append(("write", key))
        self.files[key] = data
        self.modified[key] = self.clock()

    def read(self, key: str) -> bytes:
        try:
            return self.files[key]
        except KeyError:
            raise MediaNotFound(key) from None

    def stream(self, key: str) -> StoredStream:
        data = self.read(key)
        return StoredStream(len(data), (data[at : at + 5] for at in range(0, len(data), 5)))

    def delete(self, key: str) -> None:
        self.journal.append(("delete", key))
        self.files.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.files

    def list(self, folder: str) -> Iterator[StoredFile]:
        for key in sorted(self.files):
            if key.rpartition("/")[0] + "/" == folder:
                yield StoredFile(key, len(self.files[key]), self.modified[key])


class JournalRepository(MemoryRepository):
    """A memory repository that logs each commit, with the keys it references, to a journal."""

    def __init__(self, journal: Journal) -> None:
        super().__init__()
        self.journal = journal

    def save(
        self, user_id: str, images: UserImages, records: Sequence[AuditRecord] = ()
    ) -> UserImages:
        committed = super().save(user_id, images, records)
        self.journal.append(("save", committed.references()))
        return committed


class FakeCodec(ImageCodec):
    """Accepts bytes starting with ``IMG:`` as PNG; ``%PDF`` is unsupported; the rest invalid.

    An image fills its box and has a variant at each of the box's narrower widths, of the box's
    variant type, and a placeholder. Stored bytes (``PNG:...``) are accepted again, as a real codec
    accepts what it wrote. Every call is remembered in ``calls``, with its box and limits.
    """

    formats = ("PNG",)
    max_pixels = 10**9

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, Box, ImageLimits]] = []

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        self.calls.append((data, box, limits))
        if data.startswith(b"%PDF"):
            raise UnsupportedImageType("PDF", self.formats)
        if not data.startswith((IMAGE, STORED)):
            raise InvalidImage("not an image", self.formats)
        if box.crop is not None and not box.crop.fits(*PICTURE):
            raise CropOutside(PICTURE)
        pixels = data.partition(b":")[2]
        extension = EXTENSIONS[box.variant_type]
        variants = tuple(
            EncodedImage(b"W%d:" % width + pixels, extension, width, width)
            for width in box.variant_widths(box.width)
        )
        return EncodedImage(
            STORED + pixels, "png", box.width, box.height, PLACEHOLDER, variants=variants
        )


class Counter:
    """Unique names 0001, 0002, ...: predictable, and never the same twice."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"{self.count:04d}"


def policies_with(variant_type: str) -> dict[Slot, SlotPolicy]:
    """The default policies, with variants of ``variant_type``: a settings change."""
    return {
        slot: attrs.evolve(policy, box=attrs.evolve(policy.box, variant_type=variant_type))
        for slot, policy in DEFAULT_POLICIES.items()
    }
