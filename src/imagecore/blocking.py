"""Pictures taken down and kept down: what a blocklist holds, and when an upload is one of them.

An upload is the picture of an entry when its pixels are the same (the exact hash), or when its
PDQ hash is within ``distance`` bits of the entry's (31, as Matrix's MSC4113 has it) and says
enough to be compared: a hash of quality under ``min_quality`` (50) comes from a picture too
featureless to tell from others.
"""

from __future__ import annotations

import attrs

from imagecore.model import Fingerprint, hashes

#: PDQ hashes this near are the same picture.
PDQ_DISTANCE = 31
#: A PDQ hash of less quality says too little to block by.
PDQ_QUALITY = 50


@attrs.frozen
class BlockedPicture:
    """One entry of a blocklist: an exact hash, a PDQ hash, or both (a list imported from
    elsewhere has PDQ hashes alone), the PDQ hashes of its crops, and why it is blocked."""

    exact: str | None = None
    pdq: str | None = None
    reason: str = ""
    crops: tuple[str, ...] = attrs.field(default=(), converter=hashes)

    @classmethod
    def taken_down(cls, fingerprint: Fingerprint, reason: str) -> BlockedPicture:
        """The entry a takedown adds: both hashes and its crops' PDQ hashes, those where they
        say enough."""
        if fingerprint.quality < PDQ_QUALITY:
            return cls(fingerprint.exact, None, reason)
        return cls(fingerprint.exact, fingerprint.pdq, reason, fingerprint.crops)

    @property
    def perceptual(self) -> tuple[str, ...]:
        """Every PDQ hash it blocks by: its own and its crops'."""
        return (self.pdq, *self.crops) if self.pdq is not None else self.crops


@attrs.frozen
class Matching:
    """When an upload's fingerprint is an entry's picture."""

    distance: int = PDQ_DISTANCE
    min_quality: int = PDQ_QUALITY

    def matches(self, fingerprint: Fingerprint, entry: BlockedPicture) -> bool:
        if entry.exact is not None and entry.exact == fingerprint.exact:
            return True
        if fingerprint.quality < self.min_quality:
            return False
        return any(pdq_distance(h, fingerprint.pdq) <= self.distance for h in entry.perceptual)


def pdq_distance(one: str, other: str) -> int:
    """The Hamming distance between two PDQ hashes written in hex, in bits."""
    return (int(one, 16) ^ int(other, 16)).bit_count()
