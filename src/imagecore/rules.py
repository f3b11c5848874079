"""Pure decisions: what a change does to a user's images and which files it leaves unreferenced.

Nothing here touches storage or a repository; :mod:`imagecore.service` acts on these decisions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Set

import attrs

from imagecore.errors import (
    InvalidCrop,
    InvalidDescription,
    InvalidFocus,
    NothingToUpload,
    SlotEmpty,
)
from imagecore.model import (
    MEDIA_TYPES,
    EncodedImage,
    Focus,
    Slot,
    StoredFile,
    StoredImage,
    UserImages,
    Variant,
)
from imagecore.moderation_errors import ImageReplaced
from imagecore.policies import Box, Crop, SlotPolicy
from imagecore.rejections import ImageTooLarge

#: The user ids a file name may show: a short number, as the guide's own example has. Any other
#: id (an e-mail address, a name) would put part of itself in every public image URL.
_SHOWN_ID = re.compile(r"[0-9]{1,10}")

#: Longest file name the media route looks up; every name the core makes is far shorter.
MAX_NAME = 128


#: Most characters in an image's description: alt text is a sentence or two, not an essay.
MAX_DESCRIPTION = 1000
#: Control characters (C0, DEL, C1) and the line and paragraph separators: a description is
#: one piece of text, shown inline, and logged; none of these belongs in it.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Characters that are not seen but change what is: bidirectional embeddings, overrides and
#: isolates (which reorder the text around them, for a screen reader and a log alike), and the
#: zero-width spaces, joiners of words, byte order marks, invisible operators and blank fillers
#: that hide text or pass for nothing. The joiners real scripts and emoji need (ZWJ and ZWNJ)
#: and the left-to-right and right-to-left marks are kept.
HIDDEN = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff\u180e\u115f\u1160\u3164\uffa0]"
)
#: Most combining marks in a row: a Thai syllable has two or three, an Arabic letter with its
#: vowel and shadda two, a Devanagari cluster three, a keycap emoji two; "Zalgo" text, marks
#: stacked over and under a letter by the hundred, spills over the lines around it.
MAX_MARKS_IN_A_ROW = 8


@attrs.frozen
class Change:
    """A decided change: the images to commit and the keys that become garbage once committed."""

    images: UserImages
    garbage: frozenset[str]


def user_fragment(user_id: str) -> str:
    """What a file name shows of its user: the id when it is a short number (``42``), else
    nothing. Either way no path separator, dot or NUL: a name stays in its folder."""
    return user_id if _SHOWN_ID.fullmatch(user_id) else ""


def image_key(policy: SlotPolicy, user_id: str, unique: str, extension: str) -> str:
    """The storage key for a new upload, e.g. ``resume/images/profile_42_9f3a.jpg``, or
    ``resume/images/profile_9f3a.jpg`` for a user whose id is not a short number."""
    if extension not in MEDIA_TYPES:
        raise ValueError(f"no media type for extension {extension!r}")
    if not unique.isalnum() or not unique.isascii():
        raise ValueError(f"unique part must be ASCII letters and digits, got {unique!r}")
    shown = user_fragment(user_id)
    name = f"{policy.prefix}_{shown}_{unique}" if shown else f"{policy.prefix}_{unique}"
    return f"{policy.folder}{name}.{extension}"


def description(slot: Slot, text: str) -> str:
    """``text`` trimmed, if ``slot``'s image may carry it as its description."""
    trimmed = text.strip()
    try:
        trimmed.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from JSON's \ud800
        raise InvalidDescription(slot, "not text", MAX_DESCRIPTION) from None
    if len(trimmed) > MAX_DESCRIPTION:
        raise InvalidDescription(slot, "too long", MAX_DESCRIPTION)
    if _CONTROL.search(trimmed):
        raise InvalidDescription(slot, "control characters", MAX_DESCRIPTION)
    if HIDDEN.search(trimmed):
        raise InvalidDescription(slot, "hidden characters", MAX_DESCRIPTION)
    if _longest_run_of_marks(trimmed) > MAX_MARKS_IN_A_ROW:
        raise InvalidDescription(slot, "stacked marks", MAX_MARKS_IN_A_ROW)
    return trimmed


def _longest_run_of_marks(text: str) -> int:
    longest = run = 0
    for character in text:
        run = run + 1 if unicodedata.category(character).startswith("M") else 0
        longest = max(longest, run)
    return longest


def crop(slot: Slot, region: Crop) -> Crop:
    """``region`` if it can frame a picture: not negative, not empty. Whether it lies within
    the picture only the codec can tell, once it has read the picture's size."""
    if min(region.x, region.y, region.width, region.height) < 0:
        raise InvalidCrop(slot, "negative")
    if region.width == 0 or region.height == 0:
        raise InvalidCrop(slot, "empty")
    return region


def upload_extras(
    files: Mapping[Slot, bytes],
    descriptions: Mapping[Slot, str],
    crops: Mapping[Slot, Crop],
    focuses: Mapping[Slot, Focus],
    max_bytes: int,
) -> tuple[dict[Slot, str], dict[Slot, Crop], dict[Slot, Focus]]:
    """Checks an upload before anything is decoded: it has files, each description, crop and
    focal point is valid and of a slot that has a file, and no file is over ``max_bytes``.
    Gives the descriptions, crops and focal points."""
    if not files:
        raise NothingToUpload()
    alts = {slot: description(slot, text) for slot, text in descriptions.items()}
    for slot in alts.keys() - files.keys():
        raise InvalidDescription(slot, "without its image", MAX_DESCRIPTION)
    framing = {slot: crop(slot, region) for slot, region in crops.items()}
    for slot in framing.keys() - files.keys():
        raise InvalidCrop(slot, "without its image")
    for slot in focuses.keys() - files.keys():
        raise InvalidFocus(slot, "sent without its image")
    for data in files.values():
        if len(data) > max_bytes:
            raise ImageTooLarge("file", len(data), max_bytes, "bytes")
    return alts, framing, dict(focuses)


def describe(
    images: UserImages,
    descriptions: Mapping[Slot, str],
    focuses: Mapping[Slot, Focus] | None = None,
) -> Change:
    """Give each slot's uploaded image its new description, and its new focal point (a point
    of the image as stored, given by a person: no longer suggested); no file changes."""
    after = images
    for slot, text in descriptions.items():
        image = after.get(slot)
        if image is None:
            raise SlotEmpty(slot, "describe")
        after = after.with_image(slot, attrs.evolve(image, alt=text))
    for slot, focus in (focuses or {}).items():
        image = after.get(slot)
        if image is None:
            raise SlotEmpty(slot, "focus")
        after = after.with_image(
            slot, attrs.evolve(image, focus=attrs.evolve(focus, suggested=False))
        )
    return Change(after, frozenset())


def variant_key(key: str, suffix: str, extension: str) -> str:
    """The key of one of ``key``'s smaller versions (suffix ``w48``) or its still (``still``):
    beside it, named after it."""
    stem = key.rpartition(".")[0]
    if extension not in MEDIA_TYPES:
        raise ValueError(f"no media type for extension {extension!r}")
    return f"{stem}_{suffix}.{extension}"


def follows(image: StoredImage, box: Box) -> bool:
    """Whether ``image`` has, by its record alone, what ``box`` asks of it: a variant at each of
    the box's widths narrower than it, each of the box's type, and a placeholder."""
    animated = image.still is not None
    wanted = box.variant_type_of(animated=animated)
    return (
        image.placeholder is not None
        and tuple(v.width for v in image.variants) == box.variant_widths(image.width)
        and all(v.media_type == wanted for v in image.variants)
        and (image.still is None or image.still.media_type == box.variant_type)
    )


def same_renditions(image: StoredImage, made: EncodedImage) -> bool:
    """Whether ``image`` already has what a new encoding of it (``made``) brings: variants of the
    same sizes and types, the same kind of still, and a placeholder if it has one."""

    def shape(
        variants: Iterable[Variant | EncodedImage], still: Variant | EncodedImage | None
    ) -> object:
        return [(v.width, v.height, v.media_type) for v in variants], still and still.media_type

    return shape(image.variants, image.still) == shape(made.variants, made.still) and (
        image.placeholder is not None or made.placeholder is None
    )


def revariant(images: UserImages, rebuilt: Mapping[Slot, StoredImage]) -> Change:
    """Give each slot's image its rebuilt variants, still and placeholder, if the slot still
    holds that image (an upload meanwhile brought its own); the old ones become garbage."""
    after = images
    garbage: set[str] = set()
    for slot, new in rebuilt.items():
        old = images.get(slot)
        if old is None or old.key != new.key:
            continue
        after = after.with_image(
            slot,
            attrs.evolve(old, variants=new.variants, still=new.still, placeholder=new.placeholder),
        )
        garbage.update(set(old.keys) - set(new.keys))
    return Change(after, frozenset(garbage))


def replace(images: UserImages, uploads: Mapping[Slot, StoredImage]) -> Change:
    """Put each upload in its slot; what the slots held before becomes garbage."""
    after = images
    garbage: set[str] = set()
    for slot, image in uploads.items():
        old = images.get(slot)
        if old is not None and old.key != image.key:
            garbage.update(old.keys)
        after = after.with_image(slot, image)
    return Change(after, frozenset(garbage))


def delete(images: UserImages, slot: Slot) -> Change:
    """Empty the slot; its image becomes garbage. An empty slot cannot be deleted."""
    old = images.get(slot)
    if old is None:
        raise SlotEmpty(slot)
    return Change(images.with_image(slot, None), frozenset(old.keys))


def take_down(images: UserImages, slot: Slot, key: str) -> Change:
    """Empty the slot if it still holds the image at ``key`` (the one a moderator saw and
    blocked): an image the user put there since is not the one taken down."""
    old = images.get(slot)
    if old is None:
        raise SlotEmpty(slot, "take down")
    if old.key != key:
        raise ImageReplaced(slot, key)
    return delete(images, slot)


def sweepable(
    files: Iterable[StoredFile], referenced: Set[str], *, now: float, min_age: float
) -> list[StoredFile]:
    """The files no image references that are older than ``min_age`` seconds.

    Young files are spared: an upload writes its file a moment before it commits the reference.
    """
    return [f for f in files if f.key not in referenced and now - f.modified >= min_age]


def is_servable(key: str, folders: Set[str]) -> bool:
    """Whether ``key`` names a file the media route may serve from one of ``folders``.

    Only files directly in one of them, with an image extension, and without any path trick
    (``..``, hidden or temporary files, backslashes, NULs).
    """
    folder, _, name = key.rpartition("/")
    stem, dot, extension = name.rpartition(".")
    return (
        len(name) <= MAX_NAME
        and f"{folder}/" in folders
        and bool(stem)
        and bool(dot)
        and extension in MEDIA_TYPES
        and not name.startswith(".")
        and re.fullmatch(r"[A-Za-z0-9_.-]+", name) is not None
        and ".." not in name
    )
