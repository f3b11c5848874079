"""A sentence for each of the core's errors: what a client reads when the core refuses.

The core's errors carry facts (a slot, a limit, the numbers); the sentences a client reads are
written here from those facts. The guide's names and success answers are in
:mod:`guide_wording`, and what the HTTP edge refuses before the core is asked in
:mod:`edge_wording`; nothing else in the adapter writes a sentence for a client.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from imagecore.adapters.web.edge_wording import INTERNAL_ERROR, description_without_image
from imagecore.adapters.web.guide_wording import LABELS, SLOT_NAMES, crop_field, description_field
from imagecore.adapters.web.quoting import byte_size, echo
from imagecore.errors import (
    Abandoned,
    BackendError,
    Busy,
    ConcurrentUpdate,
    ImageCoreError,
    InvalidCrop,
    InvalidDescription,
    InvalidFocus,
    MediaNotFound,
    NothingToUpload,
    RateLimited,
    RepositoryError,
    RequestError,
    SlotEmpty,
    StorageError,
    SweepRefused,
    UnknownSlot,
)
from imagecore.moderation_errors import (
    AlreadyReported,
    ImageReplaced,
    InvalidModeration,
    NoOpenReports,
    OwnImage,
)
from imagecore.rejections import (
    DecodeOverBudget,
    ImageRejected,
    ImageTooLarge,
    InvalidImage,
    PictureBlocked,
    UnsupportedImageType,
)


def sentence(error: ImageCoreError) -> str:
    """The sentence a client reads for one of the core's errors."""
    match error:
        case InvalidImage(reason=reason, accepted=accepted, detail=detail):
            sentence = {
                "empty": "The file is empty.",
                "not an image": "The file is not an image.",
            }.get(reason, "The image is corrupt or truncated.")
            if reason == "damaged" and detail is not None:
                sentence = f"The image is damaged: {detail}."
            return sentence + _accepted(accepted)
        case PictureBlocked():
            return "This picture cannot be used here."
        case UnsupportedImageType(detected=detected, accepted=accepted):
            return f"{detected} files are not accepted." + _accepted(accepted)
        case ImageTooLarge(what=what, actual=actual, limit=limit, unit=unit):
            size = "" if actual is None else f" {actual:,} {unit},"
            return f"The {what} is too large:{size} the limit is {limit:,} {unit}."
        case DecodeOverBudget(resource="seconds", limit=limit):
            return (
                f"The image takes more than {limit:g} seconds of CPU time to decode, the limit "
                "for one upload. Save it again with an ordinary encoder and retry."
            )
        case DecodeOverBudget(limit=limit):
            return (
                f"The image needs more than {byte_size(int(limit))} of memory to decode, the limit "
                "for one upload. Send a smaller picture."
            )
        case Abandoned():
            return (
                "The upload was stopped before it was stored (the client went away, or the "
                "server is stopping); nothing was changed. Please try again."
            )
        case Busy(retry_after=retry_after, short_of="memory"):
            return (
                "The server is receiving too many uploads at once. "
                f"Try again in {_duration(retry_after)}."
            )
        case Busy(retry_after=retry_after, short_of="turn"):
            return (
                "Your other uploads are still being processed: send one at a time. "
                f"Try again in {_duration(retry_after)}."
            )
        case Busy(retry_after=retry_after, short_of="cpu"):
            return (
                "The server was too busy to finish decoding the image. "
                f"Try again in {_duration(retry_after)}."
            )
        case Busy(retry_after=retry_after):
            return (
                f"The server is busy decoding other uploads. Try again in {_duration(retry_after)}."
            )
        case UnknownSlot(name=name):
            given = "none was given" if name is None else f"got {echo(name)}"
            return f"The image type must be {SLOT_NAMES} ({given})."
        case NothingToUpload():
            return f"No image was sent: send a {SLOT_NAMES} file."
        case InvalidFocus(slot=slot, problem=problem):
            field = f"{slot.value}_focus"
            return (
                f"{field} must be x,y: two fractions from 0 to 1 of the picture's width and "
                f"height from its top left corner, like 0.5,0.3 ({problem})."
            )
        case AlreadyReported(slot=slot):
            return (
                f"You have reported this {LABELS[slot].lower()} already: "
                "a moderator will look at it."
            )
        case OwnImage(slot=slot):
            return (
                f"You cannot report your own {LABELS[slot].lower()}: delete it if you want it gone."
            )
        case ImageReplaced(slot=slot):
            return (
                f"This {LABELS[slot].lower()} was replaced or removed by its owner since: "
                "nothing was taken down. Look at the one shown now."
            )
        case NoOpenReports(slot=slot):
            return f"There is no open report on this {LABELS[slot].lower()}."
        case InvalidModeration(problem=problem):
            return f"{problem[:1].upper()}{problem[1:]}."
        case SlotEmpty(slot=slot, action=action):
            label = LABELS[slot]
            return f"{label} not found: there is no {label.lower()} to {action}."
        case InvalidDescription(slot=slot, problem=problem, limit=limit):
            field = description_field(slot)
            return {
                "too long": f"'{field}' is too long: at most {limit:,} characters.",
                "control characters": f"'{field}' must be one line of text, without control "
                "characters.",
                "hidden characters": f"'{field}' must not hold invisible characters that "
                "reorder or hide text (bidirectional overrides and isolates, zero-width spaces, "
                "byte order marks).",
                "stacked marks": f"'{field}' stacks more than {limit} combining marks on one "
                "letter.",
                "without its image": description_without_image(slot),
            }.get(problem, f"'{field}' must be valid Unicode text.")
        case InvalidCrop(slot=slot, problem=problem, picture=picture):
            field = crop_field(slot)
            if problem == "outside" and picture is not None:
                return (
                    f"'{field}' reaches outside the picture, which is {picture[0]}x{picture[1]} "
                    "pixels as shown (its orientation applied)."
                )
            return {
                "negative": f"'{field}' must not be negative.",
                "empty": f"'{field}' is empty: its width and height must be at least 1 pixel.",
                "without its image": f"'{field}' was sent without a '{slot.value}' file.",
            }.get(problem, f"'{field}' must be x,y,width,height in whole pixels, like 0,0,800,800.")
        case MediaNotFound():
            return "Media file not found."
        case RateLimited(action=action, limit=limit, seconds=seconds, retry_after=retry_after):
            return (
                f"Too many {_ACTIONS.get(action, action + 's')}: the limit is {limit} per "
                f"{_per(seconds)}. "
                f"Try again in {_duration(retry_after)}."
            )
        case SweepRefused(files=files):
            return f"Refused: the database references no image, yet {files} files are stored."
        case ConcurrentUpdate():
            return "The images were changed by another request at the same time; please try again."
        case StorageError():
            return "Image storage is unavailable; please try again later."
        case RepositoryError():
            return "The image database is unavailable; please try again later."
        # Errors of an embedder's own adapters: their str() was written for a developer.
        case ImageRejected():
            return "The image is not accepted."
        case RequestError():
            return "The request cannot be done."
        case BackendError():
            return "A backend is unavailable; please try again later."
    return INTERNAL_ERROR


def _accepted(accepted: Sequence[str]) -> str:
    return f" Accepted types: {', '.join(accepted)}." if accepted else ""


#: How an action reads in the plural, where adding an s would not do.
_ACTIONS = {"describe": "description changes"}


def _per(seconds: int) -> str:
    return {60: "minute", 3600: "hour", 86400: "day"}.get(seconds, f"{seconds} seconds")


def _duration(seconds: int) -> str:
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = math.ceil(seconds / size)
            return f"{count} {unit}{'s' if count > 1 else ''}"
    return f"{seconds} second{'s' if seconds > 1 else ''}"
