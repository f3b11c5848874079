"""A picture taken down stays down: once its fingerprint is blocked, an upload of it, or of a
copy re-encoded, resized, turned by its EXIF orientation, converted or cropped by 5 %, is
refused before anything is stored; other photographs pass."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from imagecore import ImageSlots, Slot
from imagecore.adapters.memory_repository import MemoryBlocklist, MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.blocking import BlockedPicture
from imagecore.rejections import PictureBlocked
from tests import images
from tests.fakes import DictStorage

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pdq"
TAKEN_DOWN = FIXTURES / "bridge-1-original.jpg"


def saved(picture: Image.Image, format: str, **options: object) -> bytes:
    out = io.BytesIO()
    picture.save(out, format, **options)
    return out.getvalue()


def turned_by_exif(picture: Image.Image) -> bytes:
    """Stored turned a quarter, with the EXIF orientation (6) that shows it upright again."""
    exif = Image.Exif()
    exif[images.ORIENTATION] = 6
    return saved(picture.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=90, exif=exif)


def cropped(
    left: float = 0.0, top: float = 0.0, right: float = 0.0, bottom: float = 0.0
) -> Callable[[Image.Image], bytes]:
    """Cut by these fractions of its width and height at each side, saved as a JPEG."""

    def cut(picture: Image.Image) -> bytes:
        width, height = picture.size
        box = (
            round(width * left),
            round(height * top),
            round(width * (1 - right)),
            round(height * (1 - bottom)),
        )
        return saved(picture.crop(box), "JPEG", quality=90)

    return cut


COPIES: dict[str, Callable[[Image.Image], bytes]] = {
    "the same file": lambda p: TAKEN_DOWN.read_bytes(),
    "JPEG at quality 60": lambda p: saved(p, "JPEG", quality=60),
    "half the size": lambda p: saved(p.resize((p.width // 2, p.height // 2)), "JPEG"),
    "turned by its EXIF orientation": turned_by_exif,
    "PNG": lambda p: saved(p, "PNG"),
    "WebP": lambda p: saved(p, "WEBP", quality=80),
    "cropped by 5 % (centred)": cropped(0.025, 0.025, 0.025, 0.025),
    "cropped by 5 % from a corner": cropped(right=0.05, bottom=0.05),
    "cropped by 5 % from the opposite corner": cropped(left=0.05, top=0.05),
    "cropped by 5 % from the bottom": cropped(bottom=0.05),
    "cropped by 5 % from the left": cropped(left=0.05),
}


@pytest.fixture
def blocked() -> tuple[ImageSlots, DictStorage]:
    """A service whose blocklist holds the picture a moderator took down."""
    storage = DictStorage()
    blocklist = MemoryBlocklist()
    slots = ImageSlots(storage, MemoryRepository(), PillowCodec(), blocklist=blocklist)
    images_ = slots.upload("mallory", {Slot.PROFILE: TAKEN_DOWN.read_bytes()})
    fingerprint = images_.profile_image.fingerprint if images_.profile_image else None
    assert fingerprint is not None and fingerprint.quality >= 50
    blocklist.add(BlockedPicture.taken_down(fingerprint, "impersonation"))
    storage.files.clear()
    return slots, storage


@pytest.mark.parametrize("copy", COPIES, ids=list(COPIES))
@pytest.mark.parametrize("slot", list(Slot), ids=lambda slot: slot.value)
def test_a_copy_of_the_picture_is_refused_and_nothing_stored(
    blocked: tuple[ImageSlots, DictStorage], copy: str, slot: Slot
) -> None:
    slots, storage = blocked
    data = COPIES[copy](Image.open(TAKEN_DOWN).convert("RGB"))
    with pytest.raises(PictureBlocked) as refused:
        slots.upload("mallory-again", {slot: data})
    assert refused.value.slot is slot
    assert storage.files == {}
    assert slots.current("mallory-again").get(slot) is None


@pytest.mark.parametrize("name", ["q0122.jpg", "q0291.jpg", "q1050.jpg", "q2821.jpg", "wee.jpg"])
def test_other_photographs_pass(blocked: tuple[ImageSlots, DictStorage], name: str) -> None:
    slots, _ = blocked
    images_ = slots.upload("someone", {Slot.PROFILE: (FIXTURES / name).read_bytes()})
    assert images_.profile_image is not None
