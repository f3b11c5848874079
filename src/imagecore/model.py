"""The values the core speaks in: slots, stored images and a user's images.

Everything here is a frozen attrs class or an enum; a change is a new value (``attrs.evolve``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping
from importlib.resources import files
from types import MappingProxyType

import attrs

from imagecore.errors import MediaNotFound, UnknownSlot

#: The folder of the images an empty slot shows; they ship with the core, and no user owns them.
DEFAULTS_FOLDER = "resume/defaults/"

#: File extensions the core may store or serve, and the media type each one is served with.
MEDIA_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
}


class Slot(enum.Enum):
    """One of the two images a user may keep; the value is the API's field name."""

    PROFILE = "profile_image"
    COVER = "cover_image"

    @classmethod
    def parse(cls, name: str | None) -> Slot:
        """The slot named by ``name`` (``profile_image`` or ``cover_image``)."""
        for slot in cls:
            if slot.value == name:
                return slot
        raise UnknownSlot(name)


@attrs.frozen
class Placeholder:
    """What to show while an image loads: its BlurHash, and its average colour (``#rrggbb``)."""

    blurhash: str
    color: str


def hashes(values: Iterable[str]) -> tuple[str, ...]:
    """Hashes as a tuple, from any iterable of them (a JSON document's list, say)."""
    return tuple(values)


def _fraction(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"{attribute.name} must be a fraction from 0 to 1, got {value!r}")


@attrs.frozen
class Focus:
    """The point to keep in view; ``suggested`` when the codec chose it (no one gave one)."""

    x: float = attrs.field(converter=float, validator=_fraction)
    y: float = attrs.field(converter=float, validator=_fraction)
    suggested: bool = False

    @property
    def object_position(self) -> str:
        """The point as CSS's ``object-position`` has it: ``37.5% 20%``."""
        return f"{_percent(self.x)} {_percent(self.y)}"


def _percent(value: float) -> str:
    return f"{round(value * 100, 2):g}%"


@attrs.frozen
class Fingerprint:
    """What a picture is, for telling it again once it was taken down: a hash of its pixels as
    shown (the same picture decoded the same way gives the same one), and its perceptual hash
    (PDQ: 64 hex digits, near for pictures that look alike) with that hash's quality, 0 to 100
    (a featureless picture's says little). ``crops`` are the PDQ hashes of the picture with a
    margin cut off (a plain PDQ hash of a copy cropped by 5 % is too far from the whole's): a
    takedown blocks them too."""

    exact: str
    pdq: str
    quality: int
    crops: tuple[str, ...] = attrs.field(default=(), converter=hashes)


@attrs.frozen
class EncodedImage:
    """Image bytes a codec has checked and re-encoded, ready to be stored."""

    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    extension: str
    width: int
    height: int
    #: None from a codec that makes none.
    placeholder: Placeholder | None = None
    #: Smaller versions, at the box's variant widths narrower than the image, ascending.
    variants: tuple[EncodedImage, ...] = ()
    #: An animation's first frame, as a still image; None for a still.
    still: EncodedImage | None = None
    #: None from a codec that makes none.
    fingerprint: Fingerprint | None = None
    #: The point to keep in view, in this image (as given with the upload, or suggested by the
    #: codec); None from a codec that gives none.
    focus: Focus | None = None

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.extension]


@attrs.frozen
class Variant:
    """A smaller version of a stored image, or an animation's still, as stored."""

    key: str
    media_type: str
    width: int
    height: int
    size: int


@attrs.frozen
class StoredImage:
    """An image a user uploaded, as the repository references it."""

    key: str
    media_type: str
    width: int
    height: int
    size: int
    #: What the picture shows, for people who cannot see it; "" when nobody said.
    alt: str = ""
    placeholder: Placeholder | None = None
    #: Smaller versions, ascending by width.
    variants: tuple[Variant, ...] = ()
    #: An animation's first frame, as a still image.
    still: Variant | None = None
    #: What the picture is (of its first frame, for an animation); None for images stored
    #: before fingerprints were taken, or by a codec that takes none.
    fingerprint: Fingerprint | None = None
    #: The point to keep in view wherever the image is shown cropped; None for images stored
    #: before focal points, or by a codec that gives none.
    focus: Focus | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """Every file this image is made of: itself, its variants and its still."""
        extra = tuple(v.key for v in self.variants) + ((self.still.key,) if self.still else ())
        return (self.key, *extra)


#: The default images that ship with the core, described as uploads are, by key. Their files
#: are in ``imagecore/defaults``; tests/adapters/test_default_images.py checks every field
#: against them and says how the variants were made.
DEFAULT_IMAGES: Mapping[str, StoredImage] = MappingProxyType(
    {
        DEFAULTS_FOLDER + "profile.png": StoredImage(
            key=DEFAULTS_FOLDER + "profile.png",
            media_type="image/png",
            width=256,
            height=256,
            size=2545,
            placeholder=Placeholder("LTNdn0xu~p%M~pofM{j[RjfQRkWC", "#c8d1de"),
            variants=tuple(
                Variant(
                    DEFAULTS_FOLDER + f"profile_w{width}.webp", "image/webp", width, width, size
                )
                for width, size in ((48, 310), (96, 654), (192, 1234))
            ),
        )
    }
)


def shipped_default(key: str) -> bytes:
    """A default image's bytes, from the files that ship with the core."""
    try:
        return (files(__package__) / "defaults" / key.removeprefix(DEFAULTS_FOLDER)).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise MediaNotFound(key) from None


@attrs.frozen
class DefaultImage:
    """What an empty slot shows when its policy names a fallback: one of the core's defaults,
    or an avatar drawn for its user (imagecore.avatars), described as an upload would be."""

    key: str
    #: Told by the key (it is the key's picture), so neither compared nor shown.
    image: StoredImage = attrs.field(
        default=attrs.Factory(lambda self: DEFAULT_IMAGES[self.key], takes_self=True),
        eq=False,
        repr=False,
    )


@attrs.frozen
class Owner:
    """Whose images are shown: a default avatar of one's own is drawn from these (the display
    name, where the host gives one, for initials)."""

    user_id: str
    display_name: str | None = None


#: What a slot shows: the user's own image, the slot's default, or nothing at all.
Shown = StoredImage | DefaultImage | None


@attrs.frozen
class UserImages:
    """The images one user keeps, with the version the repository compares on every write."""

    profile_image: StoredImage | None = None
    cover_image: StoredImage | None = None
    #: 0 for a user the repository has never stored; each committed change adds one.
    version: int = 0

    def get(self, slot: Slot) -> StoredImage | None:
        return self.profile_image if slot is Slot.PROFILE else self.cover_image

    def with_image(self, slot: Slot, image: StoredImage | None) -> UserImages:
        if slot is Slot.PROFILE:
            return attrs.evolve(self, profile_image=image)
        return attrs.evolve(self, cover_image=image)

    def references(self) -> frozenset[str]:
        """The storage keys this user's images reference."""
        return frozenset(
            key for slot in Slot if (image := self.get(slot)) is not None for key in image.keys
        )


@attrs.frozen
class StoredFile:
    """A file as a storage lists it: what a sweep needs to decide about it."""

    key: str
    size: int
    #: When it was last written, in seconds since the epoch.
    modified: float


@attrs.frozen
class StoredStream:
    """A stored file's bytes on their way out, read a chunk at a time as they are asked for:
    a file is never held whole in memory to be sent."""

    size: int
    #: Iterated once; what the storage opened is closed after the last chunk.
    chunks: Iterable[bytes] = attrs.field(repr=False)
    #: Closes what the storage opened, for a reader that stops before the end (or never starts).
    close: Callable[[], None] = attrs.field(default=lambda: None, repr=False)


@attrs.frozen
class MediaFile:
    """A file on its way to a reader."""

    key: str
    media_type: str
    #: An upload's bytes never change (every upload gets a new name); a default's may, with a
    #: new release.
    immutable: bool
    stream: StoredStream

    def read(self) -> bytes:
        """Every byte at once, reading the stream (which is then spent)."""
        return b"".join(self.stream.chunks)
