"""The core's exceptions. Adapters translate their libraries' errors into these at their boundary.

::

    ImageCoreError
    ├── RequestError                 the caller asked for something that cannot be done
    │   ├── ImageRejected            an upload is not an acceptable image
    │   │   ├── InvalidImage         not an image, or a corrupt or truncated one
    │   │   ├── UnsupportedImageType an image of a type we do not accept
    │   │   └── ImageTooLarge        too many bytes, pixels or frames
    │   ├── UnknownSlot              no slot has that name
    │   ├── NothingToUpload          an upload named no slot
    │   ├── SlotEmpty                nothing to delete
    │   ├── MediaNotFound            no such media file
    │   ├── SweepRefused             a sweep would remove every image: a wrong database?
    │   └── RateLimited              too many requests; try again after a while
    ├── ConcurrentUpdate             another writer kept winning the race for a user's images
    ├── VersionConflict              a repository's compare-and-set lost (retried, never shown)
    └── BackendError                 storage or repository failed
        ├── StorageError
        └── RepositoryError
"""

from __future__ import annotations

import math
from collections.abc import Sequence


class ImageCoreError(Exception):
    """Root of every error the core raises."""

    @property
    def message(self) -> str:
        """A sentence a person can read; safe to show to the client."""
        return str(self)


class RequestError(ImageCoreError):
    """The request cannot be done as asked; retrying it unchanged will not help."""


class ImageRejected(RequestError):
    """An upload is not an acceptable image."""


class InvalidImage(ImageRejected):
    """The bytes are not an image we can decode, or the image is corrupt or truncated."""

    def __init__(self, reason: str, accepted: Sequence[str] = ()) -> None:
        self.reason = reason
        self.accepted = tuple(accepted)
        accepted_part = f" Accepted types: {', '.join(accepted)}." if accepted else ""
        super().__init__(f"{reason}{accepted_part}")


class UnsupportedImageType(ImageRejected):
    """The bytes are an image, or a document, of a type that is not accepted."""

    def __init__(self, detected: str, accepted: Sequence[str]) -> None:
        self.detected = detected
        self.accepted = tuple(accepted)
        super().__init__(
            f"{detected} files are not accepted. Accepted types: {', '.join(accepted)}."
        )


class ImageTooLarge(ImageRejected):
    """The image exceeds a limit: bytes, pixels or frames."""

    def __init__(self, what: str, actual: int | None, limit: int, unit: str) -> None:
        self.what = what
        self.actual = actual
        self.limit = limit
        self.unit = unit
        size = "" if actual is None else f" {actual:,} {unit},"
        super().__init__(f"The {what} is too large:{size} the limit is {limit:,} {unit}.")


class UnknownSlot(RequestError):
    """No slot has the given name."""

    def __init__(self, name: str | None) -> None:
        self.name = name
        given = "none was given" if name is None else f"got {name!r}"
        super().__init__(f"The image type must be 'profile_image' or 'cover_image' ({given}).")


class NothingToUpload(RequestError):
    """An upload named no slot."""

    def __init__(self) -> None:
        super().__init__("No image was sent: send a 'profile_image' or 'cover_image' file.")


class SlotEmpty(RequestError):
    """The slot holds no image, so there is nothing to delete."""

    def __init__(self, label: str) -> None:
        self.label = label
        super().__init__(f"{label} not found: there is no {label.lower()} to delete.")


class MediaNotFound(RequestError):
    """No media file is stored under the given path."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__("Media file not found.")


class SweepRefused(RequestError):
    """The repository references no image at all while image files are stored.

    That is what a sweep sees when pointed at the wrong, or a new, database; removing every
    file then would be a disaster, so it takes an explicit ``force``.
    """

    def __init__(self, files: int) -> None:
        self.files = files
        super().__init__(
            f"The database references no image, yet {files} image files are stored: is this "
            "the database the server uses? Refusing to remove them all without force."
        )


class RateLimited(RequestError):
    """Too many uploads or deletes in a while; ``retry_after`` says when the next may go."""

    def __init__(self, action: str, limit: int, seconds: int, retry_after: int) -> None:
        self.action = action
        self.limit = limit
        self.seconds = seconds
        self.retry_after = retry_after
        per = {60: "minute", 3600: "hour", 86400: "day"}.get(seconds, f"{seconds} seconds")
        super().__init__(
            f"Too many {action}s: the limit is {limit} per {per}. "
            f"Try again in {_duration(retry_after)}."
        )


def _duration(seconds: int) -> str:
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = math.ceil(seconds / size)
            return f"{count} {unit}{'s' if count > 1 else ''}"
    return f"{seconds} second{'s' if seconds > 1 else ''}"


class ConcurrentUpdate(ImageCoreError):
    """Another request changed the same user's images at the same time, every time we tried."""

    def __init__(self) -> None:
        super().__init__(
            "The images were changed by another request at the same time; please try again."
        )


class VersionConflict(ImageCoreError):
    """A repository refused a save: another writer committed since the version was read.

    Repositories raise it; the service reads again and retries, and only when it keeps losing does
    the caller see :class:`ConcurrentUpdate`.
    """


class BackendError(ImageCoreError):
    """A storage or repository backend failed; the request may succeed later."""


class StorageError(BackendError):
    """The image storage failed."""

    def __init__(self, operation: str, key: str) -> None:
        self.operation = operation
        self.key = key
        super().__init__(f"Image storage failed to {operation} {key!r}.")

    @property
    def message(self) -> str:
        return "Image storage is unavailable; please try again later."


class RepositoryError(BackendError):
    """The image repository failed."""

    @property
    def message(self) -> str:
        return "The image database is unavailable; please try again later."
