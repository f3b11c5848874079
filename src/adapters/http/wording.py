"""Every sentence the API answers, in one place: the guide's, and one for each error.

The core's errors carry facts (a slot, a limit, the numbers); the sentences a client reads are
written here from those facts. Nothing else in the adapter writes a sentence for a client.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType

from imagecore import Slot
from imagecore.errors import (
    Abandoned,
    BackendError,
    Busy,
    ConcurrentUpdate,
    DecodeOverBudget,
    ImageCoreError,
    ImageRejected,
    ImageTooLarge,
    InvalidCrop,
    InvalidDescription,
    InvalidImage,
    MediaNotFound,
    NothingToUpload,
    RateLimited,
    RepositoryError,
    RequestError,
    SlotEmpty,
    StorageError,
    SweepRefused,
    UnknownSlot,
    UnsupportedImageType,
)

#: What the guide calls each slot's image.
LABELS: Mapping[Slot, str] = MappingProxyType(
    {Slot.PROFILE: "Profile image", Slot.COVER: "Cover image"}
)
#: The form fields and query values that name a slot, as the sentences quote them.
SLOT_NAMES = " or ".join(f"'{slot.value}'" for slot in Slot)

# --- The guide's answers ------------------------------------------------------------------------


def uploaded(slots: Collection[Slot]) -> str:
    """``Profile image uploaded successfully``, or ``Profile image and cover image ...``."""
    labels = [LABELS[slot] for slot in Slot if slot in slots]
    return " and ".join([labels[0], *(label.lower() for label in labels[1:])]) + (
        " uploaded successfully"
    )


def described(slots: Collection[Slot]) -> str:
    """``Profile image description updated successfully``, or both joined as uploads are."""
    labels = [LABELS[slot] for slot in Slot if slot in slots]
    joined = " and ".join([labels[0], *(label.lower() for label in labels[1:])])
    return f"{joined} description{'s' if len(labels) > 1 else ''} updated successfully"


def description_field(slot: Slot) -> str:
    """The form field, and the JSON key, of a slot's description: ``profile_image_alt``."""
    return f"{slot.value}_alt"


def crop_field(slot: Slot) -> str:
    """The form field of a slot's crop: ``profile_image_crop``."""
    return f"{slot.value}_crop"


def deleted(slot: Slot) -> str:
    return f"{LABELS[slot]} deleted successfully"


def new_image(slot: Slot) -> str:
    """How the upload form describes a slot's field."""
    return f"The new {LABELS[slot].lower()}."


# --- The core's errors --------------------------------------------------------------------------


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
                f"The image needs more than {_size(int(limit))} of memory to decode, the limit "
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


def echo(text: str, most: int = 40, *, quoted: bool = True) -> str:
    """What a client sent, as a sentence may repeat it: its first ``most`` characters (an
    ellipsis saying more were cut), every character that is not printable escaped, so that an
    answer or a log line never carries a megabyte of the client's text or its control codes."""
    cut = text[:most]
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in cut)
    shown += "…" if len(text) > most else ""
    return f"'{shown}'" if quoted else shown


# --- HTTP's own errors --------------------------------------------------------------------------

INTERNAL_ERROR = "Internal server error."


def too_many_connections() -> str:
    return "Too many connections: the server is at its limit, or this address is. Try again later."


def headers_too_large(max_bytes: int) -> str:
    return f"The request's headers are too large: the limit is {max_bytes:,} bytes."


def too_many_headers(max_headers: int) -> str:
    return f"The request has too many headers: the limit is {max_headers}."


def headers_timed_out(seconds: float) -> str:
    return f"The request's headers did not arrive within {seconds:g} seconds."


def body_timed_out(seconds: float) -> str:
    return f"The request's body stalled for more than {seconds:g} seconds."


def body_too_slow(seconds: float) -> str:
    return f"The request's body took more than {seconds:g} seconds in all."


def upload_too_large(max_bytes: int) -> str:
    return f"The upload is too large: the limit is {_size(max_bytes)}."


def _size(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB ({n:,} bytes)"
    return f"{n:,} bytes"


def route_not_found(path: str) -> str:
    return f"Not found: {echo(path, quoted=False)}"


def method_not_allowed(method: str, allowed: str) -> str:
    return f"Method {echo(method, quoted=False)} is not allowed here; allowed: {allowed}."


def invalid_request(detail: str) -> str:
    return f"Invalid request: {echo(detail, 200, quoted=False)}."


# --- The upload form ----------------------------------------------------------------------------

NOT_A_FORM = f"The body must be multipart/form-data with a {SLOT_NAMES} file."
CLIENT_GONE = "The client went away before its upload was complete."


DESCRIPTION_FIELDS = " or ".join(f"'{slot.value}_alt'" for slot in Slot)
NOT_DESCRIPTIONS = f"The body must be a JSON object with {DESCRIPTION_FIELDS}, or both."


def unknown_description_field(name: str) -> str:
    return f"Unknown field {echo(name)}: send {DESCRIPTION_FIELDS}, or both."


def description_not_text(slot: Slot) -> str:
    return f"'{description_field(slot)}' must be a string."


def descriptions_too_large(max_bytes: int) -> str:
    return f"The body is too large for descriptions: at most {max_bytes:,} bytes."


def description_not_utf8(slot: Slot) -> str:
    return f"'{description_field(slot)}' must be UTF-8 text."


def description_without_image(slot: Slot) -> str:
    return (
        f"'{description_field(slot)}' was sent without a '{slot.value}' file; to change only "
        "a description, send it with PATCH."
    )


def too_many_parts(limit: int) -> str:
    return f"The form has too many parts: at most {limit} are read."


def form_over_limit(detail: object) -> str:
    return f"The form is over a limit of its parser: {echo(str(detail), 200, quoted=False)}."


def malformed_form(detail: object) -> str:
    return f"The multipart/form-data body is malformed: {echo(str(detail), 200, quoted=False)}."


def repeated_field(slot: Slot) -> str:
    return f"Send one '{slot.value}' file, not several."


def repeated_part(field: str) -> str:
    return f"Send one '{field}', not several."


# --- Bearer tokens ------------------------------------------------------------------------------

NO_CREDENTIALS = "Authentication required: send an 'Authorization: Bearer' header."
NOT_BEARER = "The Authorization header must be 'Bearer <token>'."
TOKEN_EXPIRED = "The token has expired; sign in again."
TOKEN_INVALID = "The token is invalid."
NOT_AN_ACCESS_TOKEN = "This is not an access token; send an access token."
NO_USER = "The token names no user: it needs a 'sub' or 'user_id' claim."
USER_NOT_TEXT = "The token's user id is not valid Unicode text."


def missing_claim(claim: str) -> str:
    return f"The token has no '{claim}' claim."


def time_not_a_number(claim: str) -> str:
    return f"The token's '{claim}' claim must be a number of seconds since 1970."


def not_issued_here(detail: object) -> str:
    return f"The token was not issued for this service: {echo(str(detail), 200, quoted=False)}."
