"""Decode slots shared by every process on a machine: lock files, one per slot.

A slot is taken by holding an exclusive ``flock`` on one of the files, so every worker of a
server (and every server pointed at the same folder) counts against the same number, and a
process that dies frees its slots with it: the kernel drops its locks.
"""

from __future__ import annotations

import fcntl
import functools
import os
from collections.abc import Callable
from pathlib import Path

from imagecore import BackendError
from imagecore.decode_limit import once


class LockFileSlots:
    """``count`` decode slots in ``folder``, which is created if need be."""

    def __init__(self, folder: Path, count: int) -> None:
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        self.count = count
        self._folder = folder
        self._paths = [folder / f"decode-{n}.lock" for n in range(count)]

    def try_take(self) -> Callable[[], None] | None:
        try:
            # Made on use (and again, should it be removed): commands that never decode (gc,
            # check) leave no folder behind.
            self._folder.mkdir(parents=True, exist_ok=True)
            for path in self._paths:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                # Closing the descriptor drops the lock; the file stays, for the next taker.
                return once(functools.partial(os.close, fd))
        except OSError as error:  # a read-only data dir, no descriptors left
            raise BackendError(
                f"the decode slots in {self._folder} are unusable: {error}"
            ) from error
        return None
