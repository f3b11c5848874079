"""The core's exceptions. Adapters translate their libraries' errors into these at their boundary.

Each error carries its facts (the slot, the limit, the numbers) as attributes; ``str(error)`` is
a plain sentence built from them, for logs and for apps that embed the core. What a client of the
HTTP API reads is worded by that adapter.

::

    ImageCoreError
    ├── RequestError                 the caller asked for something that cannot be done
    │   ├── (rejections)             an upload is not an acceptable image: ImageRejected, and
    │   │                            InvalidImage, UnsupportedImageType, ImageTooLarge,
    │   │                            DecodeOverBudget, PictureBlocked under it
    │   ├── InvalidDescription       a description that cannot be stored
    │   ├── InvalidCrop              a crop that cannot frame the picture
    │   ├── InvalidFocus             a focal point that is no point of the picture
    │   ├── CropOutside              the codec's finding: a crop reaching outside the picture
    │   ├── UnknownSlot              no slot has that name
    │   ├── NothingToUpload          an upload named no slot
    │   ├── SlotEmpty                nothing to delete or describe
    │   ├── MediaNotFound            no such media file
    │   ├── SweepRefused             a sweep would remove every image: a wrong database?
    │   ├── (moderation_errors)      a report or takedown that cannot be done: AlreadyReported,
    │   │                            OwnImage, NoOpenReports, ImageReplaced, InvalidModeration
    │   └── RateLimited              too many requests; try again after a while
    ├── Busy                         no room for an upload now; try again in a moment
    ├── Abandoned                    stopped before it was done: the caller left, or shutdown
    ├── ConcurrentUpdate             another writer kept winning the race for a user's images
    ├── VersionConflict              a repository's compare-and-set lost (retried, never shown)
    └── BackendError                 storage or repository failed
        ├── StorageError
        └── RepositoryError
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from imagecore.model import Slot


class ImageCoreError(Exception):
    """Root of every error the core raises."""

    def __reduce__(self) -> tuple[object, ...]:
        # Errors take their facts as arguments but pass Exception a sentence, so pickling by
        # ``args`` would call them with the sentence: they are rebuilt from their facts instead
        # (across a process boundary, say).
        return _rebuilt, (type(self), self.args, dict(vars(self)))


def _rebuilt(
    kind: type[ImageCoreError], args: tuple[object, ...], facts: dict[str, object]
) -> ImageCoreError:
    error = kind.__new__(kind)
    error.args = args
    vars(error).update(facts)
    return error


class RequestError(ImageCoreError):
    """The request cannot be done as asked; retrying it unchanged will not help."""


#: Why a description cannot be stored.
DescriptionProblem = Literal[
    "too long",
    "control characters",
    "hidden characters",
    "stacked marks",
    "not text",
    "without its image",
]


class InvalidDescription(RequestError):
    """The description given for ``slot``'s image cannot be stored: ``problem`` says why
    (``limit`` is the most characters one may have; for ``"stacked marks"``, the most
    combining marks in a row)."""

    def __init__(self, slot: Slot, problem: DescriptionProblem, limit: int) -> None:
        self.slot = slot
        self.problem = problem
        self.limit = limit
        super().__init__(f"the {slot.value} description is not acceptable: {problem}")


CropProblem = Literal["malformed", "negative", "empty", "outside", "without its image"]


class InvalidCrop(RequestError):
    """The crop sent for ``slot`` cannot be applied; ``picture`` is the upright picture's size,
    when the crop reaches outside it."""

    def __init__(
        self, slot: Slot, problem: CropProblem, picture: tuple[int, int] | None = None
    ) -> None:
        self.slot = slot
        self.problem = problem
        self.picture = picture
        super().__init__(f"the {slot.value} crop is not acceptable: {problem}")


class InvalidFocus(RequestError):
    """The focal point given for ``slot`` is ``problem`` ("not two numbers", "outside the
    picture")."""

    def __init__(self, slot: Slot, problem: str) -> None:
        self.slot = slot
        self.problem = problem
        super().__init__(f"the {slot.value} focus is {problem}")


class CropOutside(RequestError):
    """A codec's finding: the crop reaches outside the upright ``picture`` (width, height)."""

    def __init__(self, picture: tuple[int, int]) -> None:
        self.picture = picture
        super().__init__(f"the crop reaches outside the {picture[0]}x{picture[1]} picture")


class UnknownSlot(RequestError):
    """No slot has the given name (``None`` when none was given)."""

    def __init__(self, name: str | None) -> None:
        self.name = name
        super().__init__(f"no slot is named {name!r}")


class NothingToUpload(RequestError):
    """An upload named no slot."""

    def __init__(self) -> None:
        super().__init__("an upload needs at least one slot's file")


class SlotEmpty(RequestError):
    """The slot holds no uploaded image, so there is nothing to ``action`` (delete, describe)."""

    def __init__(self, slot: Slot, action: str = "delete") -> None:
        self.slot = slot
        self.action = action
        super().__init__(f"the {slot.value} slot holds no image to {action}")


class MediaNotFound(RequestError):
    """No media file is stored under the given key."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no media file at {key!r}")


class SweepRefused(RequestError):
    """The repository references no image at all while image files are stored.

    That is what a sweep sees when pointed at the wrong, or a new, database; removing every
    file then would be a disaster, so it takes an explicit ``allow_empty_repository``.
    """

    def __init__(self, files: int) -> None:
        self.files = files
        super().__init__(
            f"The database references no image, yet {files} image files are stored: is this "
            "the database the server uses? Refusing to remove them all."
        )


class RateLimited(RequestError):
    """More than ``limit`` of ``action`` in ``seconds``; the next may go in ``retry_after`` s."""

    def __init__(self, action: str, limit: int, seconds: int, retry_after: int) -> None:
        self.action = action
        self.limit = limit
        self.seconds = seconds
        self.retry_after = retry_after
        super().__init__(
            f"over {limit} {action}s in {seconds} s; the next may go in {retry_after} s"
        )


class Abandoned(ImageCoreError):
    """The work was stopped before it finished, because its caller went away or the process is
    shutting down; nothing was stored."""

    def __init__(self) -> None:
        super().__init__("stopped before it was done: the caller left, or shutdown")


class Busy(ImageCoreError):
    """There was no room for the upload; retrying in ``retry_after`` s will likely find some.

    ``short_of`` says of what: ``"decode"``, every decode slot stayed taken while it waited;
    ``"memory"``, the bodies being received already hold all the memory they may; ``"turn"``,
    the same user's other uploads are still waiting or decoding; ``"cpu"``, its decode started
    but the machine, busy with other work, gave it too little CPU time.
    """

    def __init__(self, retry_after: int, short_of: str = "decode") -> None:
        self.retry_after = retry_after
        self.short_of = short_of
        super().__init__(f"no room ({short_of}); try again in {retry_after} s")


class ConcurrentUpdate(ImageCoreError):
    """Another request changed the same user's images at the same time, every time we tried."""

    def __init__(self) -> None:
        super().__init__("another writer changed the user's images on every attempt")


class VersionConflict(ImageCoreError):
    """A repository refused a save: another writer committed since the version was read.

    Repositories raise it; the service reads again and retries, and only when it keeps losing does
    the caller see :class:`ConcurrentUpdate`.
    """


class BackendError(ImageCoreError):
    """A storage or repository backend failed; the request may succeed later."""


class StorageError(BackendError):
    """The image storage failed to ``operation`` (write, read, ...) the file at ``key``."""

    def __init__(self, operation: str, key: str) -> None:
        self.operation = operation
        self.key = key
        super().__init__(f"Image storage failed to {operation} {key!r}.")


class RepositoryError(BackendError):
    """The image repository failed; the message has the details, for the operator."""
