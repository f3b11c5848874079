"""Pictures taken down and kept down: what a blocklist holds, and when an upload is one of them.

An upload is the picture of an entry when its pixels are the same (the exact hash), or when its
PDQ hash is within ``distance`` bits of the entry's (31, as Matrix's MSC4113 has it) and says
enough to be compared: a hash of quality under ``min_quality`` (50) comes from a picture too
featureless to tell from others.
"""

from __future__ import annotations

import attrs

from imagecore.model import Fingerprint

#: PDQ hashes this near are the same picture.
PDQ_DISTANCE = 31
#: A PDQ hash of less quality says too little to block by.
PDQ_QUALITY = 50


@attrs.frozen
class BlockedPicture:
    """One entry of a blocklist: an exact hash, a PDQ hash, or both (a list imported from
    elsewhere has PDQ hashes alone), and why the picture is blocked."""

    exact: str | None = None
    pdq: str | None = None
    reason: str = ""

    @classmethod
    def taken_down(cls, fingerprint: Fingerprint, reason: str) -> BlockedPicture:
        """The entry a takedown adds: both hashes, the PDQ one where it says enough."""
        pdq = fingerprint.pdq if fingerprint.quality >= PDQ_QUALITY else None
        return cls(fingerprint.exact, pdq, reason)


@attrs.frozen
class Matching:
    """When an upload's fingerprint is an entry's picture."""

    distance: int = PDQ_DISTANCE
    min_quality: int = PDQ_QUALITY

    def matches(self, fingerprint: Fingerprint, entry: BlockedPicture) -> bool:
        if entry.exact is not None and entry.exact == fingerprint.exact:
            return True
        if entry.pdq is None or fingerprint.quality < self.min_quality:
            return False
        return pdq_distance(entry.pdq, fingerprint.pdq) <= self.distance


def pdq_distance(one: str, other: str) -> int:
    """The Hamming distance between two PDQ hashes written in hex, in bits."""
    return (int(one, 16) ^ int(other, 16)).bit_count()
