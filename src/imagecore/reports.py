"""Reports: a user telling moderators that another user's image should not be there.

A report names one image (its owner, slot and key) and a reason from a short list. It stays
open until a moderator takes the image down or dismisses the reports on it; the queue shows the
reported images, the one waiting longest first.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import attrs

from imagecore.model import Slot

#: How long a report's note may be, in characters.
MAX_NOTE = 500


class ReportReason(enum.Enum):
    """Why an image was reported; the value is what the API takes."""

    ABUSE = "abuse"
    EXPLICIT = "explicit"
    IMPERSONATION = "impersonation"
    NOT_THEIRS = "not_theirs"
    SPAM = "spam"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The reason as a moderator reads it."""
        return _LABELS[self]


_LABELS = {
    ReportReason.ABUSE: "harassment, hate or violence",
    ReportReason.EXPLICIT: "sexual or shocking content",
    ReportReason.IMPERSONATION: "pretends to be someone else",
    ReportReason.NOT_THEIRS: "someone else's photo, posted without consent",
    ReportReason.SPAM: "spam or advertising",
    ReportReason.OTHER: "something else (see the note)",
}


@attrs.frozen
class Report:
    """One user's report on one image: ``owner``'s image at ``key`` in ``slot``."""

    reporter: str
    owner: str
    slot: Slot
    key: str
    reason: ReportReason
    note: str
    at: datetime


@attrs.frozen
class ReportedImage:
    """An image with open reports, and the reports, oldest first."""

    owner: str
    slot: Slot
    key: str
    reports: tuple[Report, ...]

    @property
    def since(self) -> datetime:
        """When it was first reported."""
        return self.reports[0].at


def queue(reports: Iterable[Report]) -> list[ReportedImage]:
    """Open reports gathered by image: the image reported first comes first."""
    by_image: dict[tuple[str, Slot, str], list[Report]] = {}
    for report in sorted(reports, key=lambda report: report.at):
        by_image.setdefault((report.owner, report.slot, report.key), []).append(report)
    return [
        ReportedImage(owner, slot, key, tuple(reported))
        for (owner, slot, key), reported in by_image.items()
    ]
