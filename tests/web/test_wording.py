"""What a client reads: a sentence for each of the core's errors, made from the error's data."""

from __future__ import annotations

import pytest

from imagecore import Slot
from imagecore.adapters.web import edge_wording, guide_wording, wording
from imagecore.errors import (
    ConcurrentUpdate,
    ImageCoreError,
    MediaNotFound,
    NothingToUpload,
    RateLimited,
    RepositoryError,
    SlotEmpty,
    StorageError,
    UnknownSlot,
    VersionConflict,
)
from imagecore.rejections import ImageRejected, ImageTooLarge, InvalidImage, UnsupportedImageType

ACCEPTED = ("JPEG", "PNG", "GIF", "WebP", "AVIF", "HEIC")
TYPES = "Accepted types: JPEG, PNG, GIF, WebP, AVIF, HEIC."


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        (InvalidImage("empty", ACCEPTED), f"The file is empty. {TYPES}"),
        (InvalidImage("not an image", ACCEPTED), f"The file is not an image. {TYPES}"),
        (InvalidImage("damaged", ACCEPTED), f"The image is corrupt or truncated. {TYPES}"),
        (
            InvalidImage("damaged", ACCEPTED, "the file ends before its end chunk"),
            f"The image is damaged: the file ends before its end chunk. {TYPES}",
        ),
        (InvalidImage("not an image"), "The file is not an image."),
        (UnsupportedImageType("SVG", ACCEPTED), f"SVG files are not accepted. {TYPES}"),
        (
            ImageTooLarge("image", 50_000_000, 40_000_000, "pixels"),
            "The image is too large: 50,000,000 pixels, the limit is 40,000,000 pixels.",
        ),
        (
            ImageTooLarge("animation", None, 200, "frames"),
            "The animation is too large: the limit is 200 frames.",
        ),
        (
            ImageTooLarge("file", 11_000_000, 10_485_760, "bytes"),
            "The file is too large: 11,000,000 bytes, the limit is 10,485,760 bytes.",
        ),
        (
            UnknownSlot("avatar"),
            "The image type must be 'profile_image' or 'cover_image' (got 'avatar').",
        ),
        (
            UnknownSlot(None),
            "The image type must be 'profile_image' or 'cover_image' (none was given).",
        ),
        (
            NothingToUpload(),
            "No image was sent: send a 'profile_image' or 'cover_image' file.",
        ),
        (
            SlotEmpty(Slot.PROFILE),
            "Profile image not found: there is no profile image to delete.",
        ),
        (SlotEmpty(Slot.COVER), "Cover image not found: there is no cover image to delete."),
        (MediaNotFound("resume/images/x.png"), "Media file not found."),
        (
            ConcurrentUpdate(),
            "The images were changed by another request at the same time; please try again.",
        ),
        (StorageError("write", "k"), "Image storage is unavailable; please try again later."),
        (
            RepositoryError("connection refused to db.internal:5432"),
            "The image database is unavailable; please try again later.",
        ),
        (VersionConflict(), "Internal server error."),
        (ImageCoreError("a bug, with details"), "Internal server error."),
        (ImageRejected("an embedder's own codec says no"), "The image is not accepted."),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_every_core_error_has_its_sentence(error: ImageCoreError, sentence: str) -> None:
    """The sentence is built from the error's attributes, never from its developer text."""
    assert wording.sentence(error) == sentence


@pytest.mark.parametrize(
    ("limit", "seconds", "retry_after", "sentence"),
    [
        (20, 3600, 1260, "the limit is 20 per hour. Try again in 21 minutes."),
        (3, 60, 1, "the limit is 3 per minute. Try again in 1 second."),
        (3, 60, 59, "the limit is 3 per minute. Try again in 59 seconds."),
        (100, 86400, 3601, "the limit is 100 per day. Try again in 2 hours."),
        (100, 86400, 3600, "the limit is 100 per day. Try again in 1 hour."),
        (5, 300, 61, "the limit is 5 per 300 seconds. Try again in 2 minutes."),
    ],
)
def test_a_rate_limit_says_how_many_per_while_and_when_to_retry(
    limit: int, seconds: int, retry_after: int, sentence: str
) -> None:
    """The window reads as a minute, an hour or a day when it is one; the wait is rounded up."""
    error = RateLimited("upload", limit, seconds, retry_after)
    assert wording.sentence(error) == f"Too many uploads: {sentence}"


def test_the_guide_s_success_sentences() -> None:
    """Uploads name every slot sent, in the guide's order; deletes name their slot."""
    assert guide_wording.uploaded([Slot.PROFILE]) == "Profile image uploaded successfully"
    assert guide_wording.uploaded([Slot.COVER]) == "Cover image uploaded successfully"
    assert (
        guide_wording.uploaded([Slot.COVER, Slot.PROFILE])
        == "Profile image and cover image uploaded successfully"
    )
    assert guide_wording.deleted(Slot.PROFILE) == "Profile image deleted successfully"
    assert guide_wording.deleted(Slot.COVER) == "Cover image deleted successfully"


@pytest.mark.parametrize(
    ("limit", "sentence"),
    [
        (10 * 1024 * 1024, "The upload is too large: the limit is 10 MB (10,485,760 bytes)."),
        (256 * 1024, "The upload is too large: the limit is 262,144 bytes."),
    ],
)
def test_the_body_limit_sentence(limit: int, sentence: str) -> None:
    assert edge_wording.upload_too_large(limit) == sentence
