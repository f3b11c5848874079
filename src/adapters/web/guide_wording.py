"""The API guide's own words: what it calls each slot and field, and what a success answers.

The sentences for refusals build on these names (see :mod:`wording` and :mod:`edge_wording`), so
a slot or a field is named the same way wherever a client reads it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from imagecore import Slot

#: What the guide calls each slot's image.
LABELS: Mapping[Slot, str] = MappingProxyType(
    {Slot.PROFILE: "Profile image", Slot.COVER: "Cover image"}
)
#: The form fields and query values that name a slot, as the sentences quote them.
SLOT_NAMES = " or ".join(f"'{slot.value}'" for slot in Slot)


def description_field(slot: Slot) -> str:
    """The form field, and the JSON key, of a slot's description: ``profile_image_alt``."""
    return f"{slot.value}_alt"


def focus_field(slot: Slot) -> str:
    """The form field, and the JSON key, of a slot's focal point: ``cover_image_focus``."""
    return f"{slot.value}_focus"


def crop_field(slot: Slot) -> str:
    """The form field of a slot's crop: ``profile_image_crop``."""
    return f"{slot.value}_crop"


#: The description fields, as the sentences quote them.
DESCRIPTION_FIELDS = " or ".join(f"'{description_field(slot)}'" for slot in Slot)


def uploaded(slots: Collection[Slot]) -> str:
    """``Profile image uploaded successfully``, or ``Profile image and cover image ...``."""
    labels = [LABELS[slot] for slot in Slot if slot in slots]
    return " and ".join([labels[0], *(label.lower() for label in labels[1:])]) + (
        " uploaded successfully"
    )


def described(slots: Collection[Slot], focused: Collection[Slot] = ()) -> str:
    """``Profile image description updated successfully``, or both joined as uploads are;
    ``Cover image focus updated successfully`` for a focal point alone."""
    what = "description" if slots else "focus"
    changed = slots or focused
    labels = [LABELS[slot] for slot in Slot if slot in changed]
    joined = " and ".join([labels[0], *(label.lower() for label in labels[1:])])
    plural = {"description": "descriptions", "focus": "focuses"}[what]
    return f"{joined} {what if len(labels) == 1 else plural} updated successfully"


def deleted(slot: Slot) -> str:
    return f"{LABELS[slot]} deleted successfully"


def new_image(slot: Slot) -> str:
    """How the upload form describes a slot's field."""
    return f"The new {LABELS[slot].lower()}."
