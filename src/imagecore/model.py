"""The values the core speaks in: slots, stored images and a user's images.

Everything here is a frozen attrs class or an enum; a change is a new value (``attrs.evolve``).
"""

from __future__ import annotations

import enum

import attrs

from imagecore.errors import UnknownSlot

#: The folder the defaults live in; it is never swept, since no user owns it.
DEFAULTS_FOLDER = "resume/defaults/"

#: File extensions the core may store or serve, and the media type each one is served with.
MEDIA_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}


@attrs.frozen
class SlotPolicy:
    """Where a slot keeps its files, how they are named and what it shows when empty."""

    folder: str
    prefix: str
    label: str
    #: Storage key shown when the slot is empty, or ``None`` to show nothing.
    fallback: str | None


class Slot(enum.Enum):
    """One of the two images a user may keep; the value is the API's field name."""

    PROFILE = "profile_image"
    COVER = "cover_image"

    @property
    def policy(self) -> SlotPolicy:
        return _POLICIES[self]

    @property
    def label(self) -> str:
        """The slot's name in a sentence: 'Profile image' or 'Cover image'."""
        return self.policy.label

    @classmethod
    def parse(cls, name: str | None) -> Slot:
        """The slot named by ``name`` (``profile_image`` or ``cover_image``)."""
        for slot in cls:
            if slot.value == name:
                return slot
        raise UnknownSlot(name)


_POLICIES: dict[Slot, SlotPolicy] = {
    Slot.PROFILE: SlotPolicy(
        folder="resume/images/",
        prefix="profile",
        label="Profile image",
        fallback=DEFAULTS_FOLDER + "profile.png",
    ),
    Slot.COVER: SlotPolicy(
        folder="resume/covers/",
        prefix="cover",
        label="Cover image",
        fallback=None,
    ),
}


@attrs.frozen
class EncodedImage:
    """Image bytes a codec has checked and re-encoded, ready to be stored."""

    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    extension: str
    width: int
    height: int

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.extension]


@attrs.frozen
class StoredImage:
    """An image a user uploaded, as the repository references it."""

    key: str
    media_type: str
    width: int
    height: int
    size: int


@attrs.frozen
class DefaultImage:
    """What an empty slot shows when its policy names a fallback."""

    key: str


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

    def shown(self, slot: Slot) -> Shown:
        """What the slot shows: the user's image, else the slot's fallback."""
        image = self.get(slot)
        if image is not None:
            return image
        fallback = slot.policy.fallback
        return DefaultImage(fallback) if fallback is not None else None

    def references(self) -> frozenset[str]:
        """The storage keys this user's images reference."""
        return frozenset(image.key for slot in Slot if (image := self.get(slot)) is not None)


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
class MediaFile:
    """A stored file on its way to a reader."""

    key: str
    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")
    media_type: str
