"""The core's errors cross process boundaries whole: a decode process raises them for its
parent, and hosts may send them through queues of their own."""

from __future__ import annotations

import inspect
import pickle
import re

import pytest

from imagecore import Slot, errors, moderation_errors, rejections
from imagecore.errors import ImageCoreError

#: The modules the core's errors are defined in.
MODULES = (errors, rejections, moderation_errors)
#: One of each error, with every fact it carries set.
EXAMPLES: list[ImageCoreError] = [
    rejections.InvalidImage("damaged", ("JPEG", "PNG"), detail="a checksum does not match"),
    rejections.UnsupportedImageType("PDF", ("JPEG",)),
    rejections.ImageTooLarge("image", 90_000_000, 40_000_000, "pixels"),
    rejections.DecodeOverBudget("memory", 384 * 2**20),
    rejections.PictureBlocked(Slot.PROFILE),
    errors.InvalidDescription(Slot.COVER, "stacked marks", 8),
    errors.InvalidCrop(Slot.PROFILE, "outside", (640, 480)),
    errors.CropOutside((640, 480)),
    errors.InvalidFocus(Slot.COVER, "outside the picture"),
    errors.UnknownSlot("avatar"),
    errors.NothingToUpload(),
    errors.SlotEmpty(Slot.PROFILE, "describe"),
    errors.MediaNotFound("resume/images/x.png"),
    errors.SweepRefused(12),
    moderation_errors.AlreadyReported(Slot.COVER),
    moderation_errors.OwnImage(Slot.PROFILE),
    moderation_errors.NoOpenReports(Slot.PROFILE),
    moderation_errors.ImageReplaced(Slot.COVER, "resume/covers/cover_7_1.jpg"),
    moderation_errors.InvalidModeration("the note is longer than 500 characters"),
    errors.RateLimited("upload", 20, 3600, 1200),
    errors.Abandoned(),
    errors.Busy(5, short_of="memory"),
    errors.ConcurrentUpdate(),
    errors.VersionConflict("the stored version moved on"),
    errors.StorageError("write", "resume/images/x.png"),
    errors.RepositoryError("the database is gone"),
]


def test_every_error_class_has_an_example() -> None:
    classes = {
        kind
        for module in MODULES
        for _, kind in inspect.getmembers(module, inspect.isclass)
        if issubclass(kind, ImageCoreError) and not kind.__subclasses__()
    }
    assert classes <= {type(error) for error in EXAMPLES}


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda error: type(error).__name__)
def test_an_error_pickles_with_its_facts(error: ImageCoreError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert vars(copy) == vars(error)
    assert str(copy) == str(error)


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_the_tree_drawn_in_each_module_names_every_error_it_defines(module: object) -> None:
    """The docstring's tree is how a reader learns the errors: none may be missing from it."""
    drawn = set(re.findall(r"[├└]── (\w+)", module.__doc__ or ""))
    defined = {
        name
        for name, kind in inspect.getmembers(module, inspect.isclass)
        if issubclass(kind, ImageCoreError) and kind.__module__ == module.__name__
    }
    assert drawn == defined - {"ImageCoreError"}  # the root, drawn at the top
