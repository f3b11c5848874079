"""The moderation's errors: reports and takedowns that cannot be done as asked. Request errors
like the rest of :mod:`imagecore.errors`, kept apart as the moderation is.

::

    RequestError
    ├── AlreadyReported          the reporter's earlier report on that image is still open
    ├── OwnImage                 a report on one's own image
    ├── NoOpenReports            nothing to dismiss
    ├── ImageReplaced            not the image a moderator saw: its owner replaced it since
    └── InvalidModeration        a report, reason or hash list that cannot be taken
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from imagecore.errors import RequestError

if TYPE_CHECKING:
    from imagecore.model import Slot


class AlreadyReported(RequestError):
    """The reporter reported the image in ``slot`` before, and that report is still open."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        super().__init__(f"an open report on this {slot.value} by the same reporter exists")


class OwnImage(RequestError):
    """A user reported their own image in ``slot``: they may delete it instead."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        super().__init__(f"a report on one's own {slot.value}")


class NoOpenReports(RequestError):
    """No report on the image in ``slot`` is open, so there is nothing to dismiss."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        super().__init__(f"no open report on this {slot.value}")


class ImageReplaced(RequestError):
    """The image in ``slot`` is not the one a moderator acted on (``key``): its owner replaced
    or removed it since, so nothing was taken down."""

    def __init__(self, slot: Slot, key: str) -> None:
        self.slot = slot
        self.key = key
        super().__init__(f"the {slot.value} is no longer {key!r}")


class InvalidModeration(RequestError):
    """A report, a takedown's reason or a hash list that cannot be taken: ``problem`` says
    why, as a clause ("the note is longer than 500 characters")."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)
