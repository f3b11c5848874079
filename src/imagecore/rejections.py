"""Why an upload is not an acceptable image: request errors like the rest of
:mod:`imagecore.errors`, the ones a codec raises about a file.

::

    RequestError
    └── ImageRejected            an upload is not an acceptable image
        ├── InvalidImage         not an image, or a damaged one
        ├── UnsupportedImageType an image of a type we do not accept
        ├── ImageTooLarge        too many bytes, pixels or frames
        ├── DecodeOverBudget     decoding took more time or memory than it may
        └── PictureBlocked       a picture taken down before, and kept down
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from imagecore.errors import RequestError

if TYPE_CHECKING:
    from imagecore.model import Slot


class ImageRejected(RequestError):
    """An upload is not an acceptable image."""


#: Why bytes are no acceptable image: none at all, not an image, or an image that is damaged
#: (truncated, corrupt, failing a checksum).
InvalidReason = Literal["empty", "not an image", "damaged"]


class InvalidImage(ImageRejected):
    """The bytes are not an image we can decode, or the image is damaged; ``detail`` says how,
    when it is known ("the checksum of an 'IDAT' chunk does not match")."""

    def __init__(
        self, reason: InvalidReason, accepted: Sequence[str] = (), detail: str | None = None
    ) -> None:
        self.reason = reason
        self.accepted = tuple(accepted)
        self.detail = detail
        how = "" if detail is None else f": {detail}"
        super().__init__(f"{reason}{how} (accepted formats: {', '.join(accepted) or 'any'})")


class UnsupportedImageType(ImageRejected):
    """The bytes are an image, or a document, of a type that is not accepted."""

    def __init__(self, detected: str, accepted: Sequence[str]) -> None:
        self.detected = detected
        self.accepted = tuple(accepted)
        super().__init__(f"{detected} is not an accepted format ({', '.join(accepted)} are)")


class PictureBlocked(ImageRejected):
    """The upload for ``slot`` is a picture a moderator took down: the same pixels, or a copy
    near enough (re-encoded, resized) to be the same picture."""

    def __init__(self, slot: Slot) -> None:
        self.slot = slot
        super().__init__(f"the {slot.value} upload is a picture that was taken down")


class ImageTooLarge(ImageRejected):
    """The upload exceeds a limit: ``what`` (file, image, animation) has more ``unit`` than
    ``limit``; ``actual`` is ``None`` when it was not counted."""

    def __init__(self, what: str, actual: int | None, limit: int, unit: str) -> None:
        self.what = what
        self.actual = actual
        self.limit = limit
        self.unit = unit
        counted = "more" if actual is None else f"{actual}"
        super().__init__(f"{what} over the limit: {counted} {unit}, at most {limit}")


#: What a decode may use up: CPU time, or memory.
Resource = Literal["seconds", "memory"]


class DecodeOverBudget(ImageRejected):
    """Decoding the image took more of ``resource`` than ``limit`` (seconds of CPU, or bytes of
    memory) and was stopped: a file built to cost far more to decode than its size says."""

    def __init__(self, resource: Resource, limit: float) -> None:
        self.resource = resource
        self.limit = limit
        amount = (
            f"{limit:g} s of CPU time" if resource == "seconds" else f"{limit:,.0f} bytes of memory"
        )
        super().__init__(f"decoding needed more than {amount}")
