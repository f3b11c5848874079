"""The blocklist's PDQ hashes in memory, as numpy words, matched with one XOR and a population
count over every hash: a linear scan, a millisecond for a million hashes.

numpy (2 or later, for ``bitwise_count``) is imported when the first index is made, so the rest
of the SQL adapters work without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from imagecore.blocking import BlockedPicture, Matching
from imagecore.errors import RepositoryError
from imagecore.model import Fingerprint

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: PDQ hashes separated by spaces.
_PDQS = re.compile(r"[0-9a-fA-F]{64}(?: [0-9a-fA-F]{64})*")


class PdqIndex:
    """The live entries' hashes, by entry id: every PDQ hash as four 64-bit words (one array
    per word, so that each step runs over one contiguous array), and a dict of exact hashes.

    :meth:`apply` is called by one thread at a time; :meth:`candidates` by any number at once,
    each reading the arrays as they were published when it started.
    """

    def __init__(self) -> None:
        self._np = numpy = _numpy()
        #: The change number of the database it reflects.
        self.number = 0
        self._words: npt.NDArray[np.uint64] = numpy.zeros((4, 1024), numpy.uint64)
        self._owners: npt.NDArray[np.int64] = numpy.full(1024, -1, numpy.int64)
        self._rows = 0
        self._dead = 0
        self._exact: dict[str, tuple[int, ...]] = {}
        #: The ids of the live entries it holds.
        self._live: set[int] = set()
        self._view = (self._words[:, :0], self._owners[:0])

    @classmethod
    def of(cls, entries: Iterable[tuple[int, BlockedPicture]]) -> PdqIndex:
        """An index of ``entries``, each with its id."""
        index = cls()
        rows = [(i, e.exact or "", e.pdq or "", " ".join(e.crops), None) for i, e in entries]
        index.apply(rows, replacing=False)
        return index

    def __len__(self) -> int:
        """How many PDQ hashes it compares with."""
        return self._rows - self._dead

    def apply(self, rows: Iterable[Sequence[Any]], *, replacing: bool = True) -> None:
        """Apply rows ``(id, exact, pdq, crops, removed_at)``: a removed one (``removed_at``
        set) takes its entry out; a live one of an entry it holds already changes nothing (an
        entry's hashes never change: blocking a picture again is a new row), so that a row
        applied twice never leaves a moment when its entry is missing. Without ``replacing``,
        the rows are of entries it does not hold yet."""
        np = self._np
        gone: list[int] = []
        owners: list[int] = []
        texts: list[str] = []  # each entry's PDQ hashes, separated by spaces
        for entry_id, exact, pdq, crops, removed_at in rows:
            if removed_at is not None:
                if entry_id in self._live:
                    self._live.discard(entry_id)
                    gone.append(entry_id)
                if exact:
                    self._forget_exact(exact, entry_id)
                continue
            if replacing and entry_id in self._live:
                continue
            self._live.add(entry_id)
            if exact:
                ids = self._exact.get(exact, ())
                if entry_id not in ids:
                    self._exact[exact] = (*ids, entry_id)
            text = f"{pdq} {crops}" if pdq and crops else pdq or crops
            if text:
                owners.append(entry_id)
                texts.append(text)
        _, published = self._view
        if gone and len(published):
            dead = np.isin(published, np.array(gone, np.int64))
            self._dead += int(dead.sum())
            published[dead] = -1
        if self._dead > max(self._rows // 2, 4096):
            self._compact()
        if texts:
            self._append(texts, owners)

    def _forget_exact(self, exact: str, entry_id: int) -> None:
        ids = self._exact.get(exact, ())
        if entry_id in ids:
            kept = tuple(i for i in ids if i != entry_id)
            if kept:
                self._exact[exact] = kept
            else:
                del self._exact[exact]

    def candidates(self, fingerprint: Fingerprint, matching: Matching) -> list[int]:
        """The ids of the entries ``fingerprint`` may be: those of its exact hash, then those
        with a PDQ hash near enough, nearest first."""
        np = self._np
        words, owners = self._view
        found = list(self._exact.get(fingerprint.exact, ()))
        limit = matching.distance
        if fingerprint.quality < matching.min_quality or limit < 0 or not len(owners):
            return found
        query = np.frombuffer(bytes.fromhex(fingerprint.pdq), np.uint64)
        # The first two words' distance (at most 128, in bytes) leaves few rows for the rest.
        near = np.bitwise_count(words[0] ^ query[0])
        near += np.bitwise_count(words[1] ^ query[1])
        rows = np.flatnonzero(near <= min(limit, 128))
        if rows.size:
            distance = near[rows].astype(np.int64)
            distance += np.bitwise_count(words[2, rows] ^ query[2])
            distance += np.bitwise_count(words[3, rows] ^ query[3])
            close = distance <= limit
            rows = rows[close][np.argsort(distance[close], kind="stable")]
            for entry_id in owners[rows].tolist():
                if entry_id >= 0 and entry_id not in found:
                    found.append(entry_id)
        return found

    def _append(self, texts: list[str], owners: list[int]) -> None:
        np = self._np
        joined = " ".join(texts)
        if not _PDQS.fullmatch(joined):
            raise RepositoryError("the blocklist holds a PDQ hash that is not 64 hex digits")
        hashes = np.frombuffer(bytes.fromhex(joined), np.uint64).reshape(-1, 4)
        counts = [(len(text) + 1) // 65 for text in texts]
        start, end = self._rows, self._rows + len(hashes)
        if end > self._owners.size:
            # New arrays: readers of the old ones go on reading them.
            capacity = max(end, 2 * self._owners.size)
            grown_words = np.zeros((4, capacity), np.uint64)
            grown_owners = np.full(capacity, -1, np.int64)
            grown_words[:, :start] = self._words[:, :start]
            grown_owners[:start] = self._owners[:start]
            self._words, self._owners = grown_words, grown_owners
        # Beyond the published rows: no reader looks there until the view below is published.
        self._words[:, start:end] = hashes.T
        self._owners[start:end] = np.repeat(np.array(owners, np.int64), counts)
        self._rows = end
        self._view = (self._words[:, :end], self._owners[:end])

    def _compact(self) -> None:
        np = self._np
        live = self._owners[: self._rows] >= 0
        count = int(live.sum())
        capacity = max(1024, 2 * count)
        words = np.zeros((4, capacity), np.uint64)
        owners = np.full(capacity, -1, np.int64)
        words[:, :count] = self._words[:, : self._rows][:, live]
        owners[:count] = self._owners[: self._rows][live]
        self._words, self._owners, self._rows, self._dead = words, owners, count, 0
        self._view = (words[:, :count], owners[:count])


def _numpy() -> ModuleType:
    try:
        import numpy
    except ImportError as error:
        raise ImportError(
            "matching against a SQL blocklist needs numpy 2 or later: "
            f"`pip install 'imagecore[codec]'` ({error})"
        ) from error
    if not hasattr(numpy, "bitwise_count"):
        raise ImportError(
            f"matching against a SQL blocklist needs numpy 2 or later, not {numpy.__version__}"
        )
    return numpy
