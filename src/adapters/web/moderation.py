"""Moderation over HTTP, for any framework: the JSON a report, takedown or dismissal sends, and
the bodies answered (the queue, a user's history), as plain data.

The guide says nothing of moderation; these routes sit beside its own under the same prefix,
and their refusals are ``{"error": "..."}`` like every other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from imagecore import Slot, UserImages
from imagecore.adapters.web.answers import Body
from imagecore.adapters.web.errors import FormError
from imagecore.adapters.web.guide_wording import LABELS
from imagecore.audit import AuditRecord
from imagecore.errors import UnknownSlot
from imagecore.reports import ReportedImage, ReportReason

#: The largest JSON body a report, takedown or dismissal may send, in bytes.
MAX_REQUEST_BODY = 16 * 1024
#: The largest hash list one import may send: about 60,000 hashes.
MAX_HASH_LIST = 4 * 2**20


@attrs.frozen
class AboutImage:
    """What a report, a takedown or a dismissal names: a user's image, and words about it
    (the reason, and a note)."""

    user: str
    slot: Slot
    reason: str = ""
    note: str = ""
    #: The image the moderator saw, where they say (a takedown's ``key``).
    key: str | None = None


def about_image(raw: bytes, *, reason: bool) -> AboutImage:
    """The JSON object a moderation request sends: ``user`` and ``type`` (the slot), with
    ``reason`` when ``reason`` is true, and an optional ``note`` and ``key`` (the image seen)."""
    body = _object(raw)
    allowed = {"user", "type", "note", "key", *(["reason"] if reason else [])}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise FormError(f"Unknown field {unknown[0]!r}: send {_listed(sorted(allowed))}.")
    user, slot_name = body.get("user"), body.get("type")
    if not isinstance(user, str | int) or isinstance(user, bool) or str(user) == "":
        raise FormError("Name the user whose image it is in 'user'.")
    try:
        slot = Slot.parse(slot_name if isinstance(slot_name, str) else None)
    except UnknownSlot:
        raise FormError("Say which image in 'type': profile_image or cover_image.") from None
    words = {name: body.get(name, "") for name in ("reason", "note")}
    for name, value in words.items():
        if not isinstance(value, str):
            raise FormError(f"The {name} must be text.")
    key = body.get("key")
    if key is not None and not isinstance(key, str):
        raise FormError("The key must be text: the image's key, as the queue gives it.")
    if reason and not words["reason"].strip():
        reasons = ", ".join(reason.value for reason in ReportReason)
        raise FormError(f"Give a reason in 'reason' (a report's is one of {reasons}).")
    return AboutImage(str(user), slot, words["reason"], words["note"], key)


def reported() -> Body:
    return {"message": "Thank you: a moderator will look at this image."}


def taken_down(user: str, slot: Slot) -> Body:
    return {"message": f"The {LABELS[slot].lower()} of user {user} was taken down."}


def dismissed(user: str, slot: Slot, closed: int) -> Body:
    label = LABELS[slot].lower()
    reports = "report" if closed == 1 else "reports"
    return {"message": f"{closed} {reports} on the {label} of user {user} dismissed."}


def queue(
    reported: list[ReportedImage],
    current: Mapping[str, UserImages],
    url_of: Callable[[str], str],
) -> Body:
    """The open reports, by image, the longest waiting first: each image's URL, and whether it
    is still the one its owner shows (``current``: each owner's images as they are now)."""
    return {
        "reports": [
            {
                "user": image.owner,
                "type": image.slot.value,
                "key": image.key,
                "image": url_of(image.key),
                "still_shown": _shown_key(current.get(image.owner), image.slot) == image.key,
                "since": image.since.isoformat(timespec="seconds"),
                "reports": [
                    {
                        "reporter": report.reporter,
                        "reason": report.reason.value,
                        "reason_label": report.reason.label,
                        "note": report.note,
                        "at": report.at.isoformat(timespec="seconds"),
                    }
                    for report in image.reports
                ],
            }
            for image in reported
        ]
    }


def history(user: str, records: list[AuditRecord]) -> Body:
    """A user's audit records, oldest first."""
    return {
        "user": user,
        "history": [
            {
                "at": record.at.isoformat(timespec="seconds"),
                "action": record.action.value,
                "by": {"role": record.actor.role.value, "name": record.actor.name},
                "type": record.slot.value if record.slot else None,
                "before": {"key": record.before_key, "hash": record.before_hash},
                "after": {"key": record.after_key, "hash": record.after_hash},
                "detail": record.detail,
            }
            for record in records
        ],
    }


def blocklist_changed(verb: str, count: int) -> Body:
    """``count`` entries of the blocklist ``verb`` (added, removed)."""
    entries = "entry" if count == 1 else "entries"
    return {"message": f"{count} blocklist {entries} {verb}.", "count": count}


def hash_list_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormError("Send the list as UTF-8 text, one PDQ hash a line.") from None


def _shown_key(images: UserImages | None, slot: Slot) -> str | None:
    image = images.get(slot) if images else None
    return image.key if image else None


def _object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise FormError("Send a JSON object.") from None
    if not isinstance(body, dict):
        raise FormError("Send a JSON object.")
    return body


def _listed(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)
