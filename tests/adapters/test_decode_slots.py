"""Decode slots on lock files: one count for every process that opens the same folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from imagecore import BackendError
from imagecore.adapters.decode_slots import LockFileSlots


def test_two_openers_of_one_folder_share_its_slots(tmp_path: Path) -> None:
    """As two worker processes would: what one holds, the other cannot take."""
    first, second = LockFileSlots(tmp_path, 2), LockFileSlots(tmp_path, 2)
    held = [first.try_take(), second.try_take()]
    assert None not in held
    assert first.try_take() is None and second.try_take() is None
    release = held[0]
    assert release is not None
    release()
    release()  # a second release frees nothing more
    again = second.try_take()
    assert again is not None
    assert first.try_take() is None


def test_the_folder_is_made_on_use_and_again_if_removed(tmp_path: Path) -> None:
    folder = tmp_path / "locks"
    slots = LockFileSlots(folder, 1)
    assert not folder.exists()  # commands that never decode leave nothing behind
    release = slots.try_take()
    assert release is not None and folder.is_dir()
    release()
    shutil.rmtree(folder)
    assert slots.try_take() is not None


def test_an_unusable_folder_is_a_backend_error(tmp_path: Path) -> None:
    """A 503 over HTTP, not a 500: the service cannot decode now, through no fault of the file."""
    in_the_way = tmp_path / "locks"
    in_the_way.write_text("a file where the folder should be")
    with pytest.raises(BackendError, match="decode slots"):
        LockFileSlots(in_the_way, 1).try_take()
