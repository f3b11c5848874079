"""The values the core speaks in: slots, stored images and a user's images.

Everything here is a frozen attrs class or an enum; a change is a new value (``attrs.evolve``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

import attrs

from imagecore.errors import UnknownSlot

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


#: The media types variants may be written as, and whether each can animate.
VARIANT_TYPES: Mapping[str, bool] = MappingProxyType(
    {"image/webp": True, "image/avif": True, "image/jpeg": False}
)


def _ascending(widths: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(widths)))


@attrs.frozen
class Crop:
    """A region of the upright picture (as a person sees it, its orientation applied), in whole
    pixels from its top left corner."""

    x: int
    y: int
    width: int
    height: int

    def fits(self, width: int, height: int) -> bool:
        """Whether the region lies within a ``width`` x ``height`` picture."""
        return self.x + self.width <= width and self.y + self.height <= height


@attrs.frozen
class Box:
    """The size a slot's images are brought to; they are never scaled up.

    ``fit`` (``fill=False``) scales down to fit inside the box, keeping the aspect ratio. ``fill``
    crops around the centre to the box's aspect ratio, then scales down to exactly the box.
    """

    width: int = attrs.field(validator=attrs.validators.gt(0))
    height: int = attrs.field(validator=attrs.validators.gt(0))
    fill: bool = False
    #: The widths of the smaller versions to make besides the image (none wider than it).
    variants: tuple[int, ...] = attrs.field(default=(), converter=_ascending)
    #: What the variants, and an animation's still, are written as.
    variant_type: str = attrs.field(
        default="image/webp", validator=attrs.validators.in_(VARIANT_TYPES)
    )
    #: The part of the picture to bring to the box, in place of the whole (one upload's framing,
    #: never a slot's policy): fit fits it, fill crops its centre to the box's shape.
    crop: Crop | None = None

    def variant_type_of(self, *, animated: bool) -> str:
        """The media type of an image's variants: an animation's stay animated, as WebP where
        ``variant_type`` cannot animate."""
        if animated and not VARIANT_TYPES[self.variant_type]:
            return "image/webp"
        return self.variant_type

    def variant_widths(self, width: int) -> tuple[int, ...]:
        """The variant widths for an image ``width`` pixels wide: those narrower than it."""
        return tuple(w for w in self.variants if w < width)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}{' fill' if self.fill else ''}"

    def region(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The part of an upright ``width`` x ``height`` picture to use: (left, top, right,
        bottom), the crop or the whole."""
        if self.crop is None:
            return (0, 0, width, height)
        crop = self.crop
        return (crop.x, crop.y, crop.x + crop.width, crop.y + crop.height)


@attrs.frozen
class SlotPolicy:
    """Everything about one slot: where its files go, their size, and what it shows when empty."""

    folder: str
    #: The start of every stored name, as in ``profile_<user>_<unique>.jpg``.
    prefix: str
    box: Box
    #: Key of the image shown when the slot is empty (one of the core's defaults), or ``None``.
    fallback: str | None = None


#: The slots as the API guide lays them out; a deployment may change the boxes.
DEFAULT_POLICIES: Mapping[Slot, SlotPolicy] = MappingProxyType(
    {
        Slot.PROFILE: SlotPolicy(
            folder="resume/images/",
            prefix="profile",
            # Avatars in lists (48), on profile cards (96), and both again on 2x screens.
            box=Box(800, 800, variants=(48, 96, 192, 384)),
            fallback=DEFAULTS_FOLDER + "profile.png",
        ),
        # A phone (about 400 CSS pixels at 1.5 to 3x), a laptop, a desktop: the full 2400 is
        # the image itself.
        Slot.COVER: SlotPolicy(
            folder="resume/covers/", prefix="cover", box=Box(2400, 1200, variants=(640, 1280, 1920))
        ),
    }
)


@attrs.frozen
class ImageLimits:
    """How much one upload may be and cost to decode; every limit is checked before decoding."""

    #: Most bytes in one uploaded file (the HTTP API holds a whole request body to it): a
    #: phone's 48 MP JPEG is 15 to 20 MB.
    max_bytes: int = attrs.field(default=24 * 1024 * 1024, validator=attrs.validators.gt(0))
    #: Most pixels a still image is decoded at, as its header and the box tell before decoding:
    #: a JPEG decodes at 1/2, 1/4 or 1/8 scale where the box allows, every other format whole.
    #: This bounds memory and resampling.
    max_pixels: int = attrs.field(default=40_000_000, validator=attrs.validators.gt(0))
    #: Largest still image, as its header declares it, whatever scale it decodes at: the
    #: decoder still walks every block (a phone's 48 and 64 MP photos pass).
    max_declared_pixels: int = attrs.field(default=80_000_000, validator=attrs.validators.gt(0))
    #: Memory and time are bounded by the pixels decoded over all frames (below); this only
    #: bounds the work per frame that pixels do not count, so real 300- to 400-frame GIFs pass.
    max_frames: int = attrs.field(default=1000, validator=attrs.validators.gt(0))
    #: Pixels decoded over all frames of an animation.
    max_animation_pixels: int = attrs.field(default=100_000_000, validator=attrs.validators.gt(0))
    #: Scans of a progressive JPEG: each walks every block of the image again, so a small file
    #: of thousands of tiny scans costs minutes of CPU. Encoders write about 10.
    max_scans: int = attrs.field(default=64, validator=attrs.validators.gt(0))


@attrs.frozen
class Placeholder:
    """What to show while an image loads: its BlurHash, and its average colour (``#rrggbb``)."""

    blurhash: str
    color: str


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


@attrs.frozen
class DefaultImage:
    """What an empty slot shows when its policy names a fallback: one of the core's defaults."""

    key: str

    @property
    def image(self) -> StoredImage:
        """The default image, described as an upload would be."""
        return DEFAULT_IMAGES[self.key]


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
