"""PDQ, Meta's perceptual hash of a picture, and its quality score, in numpy.

A port of the reference implementation (facebook/ThreatExchange, ``pdq/``, BSD licence): the
picture's luma, blurred by two passes of a box filter a 128th of each side wide (Jarosz), sampled
at 64 x 64, its 16 x 16 lowest DCT coefficients past the constant one; each of the 256 bits says
whether its coefficient is above their median. Pictures that look alike are within a small
Hamming distance of each other (31 of 256 is the matching threshold Matrix's MSC4113 takes);
the quality (0 to 100) counts significant gradients, so that a featureless picture, whose hash
says little, can be told apart.

The hash is written as the reference writes it: 64 hex digits, the 16th row of coefficients
first, each row's first coefficient its lowest bit.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt
from PIL import Image

#: The reference's luma weights (ITU-R 601).
LUMA = np.array([0.299, 0.587, 0.114])
#: A box filter's window is a side's length over this, rounded up.
WINDOW_DIVISOR = 128
#: The reference hashes a picture no larger than this on either side.
MAX_SIDE = 512


def _dct_matrix() -> npt.NDArray[np.float64]:
    i = np.arange(1, 17)[:, None]
    j = np.arange(64)[None, :]
    matrix: npt.NDArray[np.float64] = math.sqrt(2.0 / 64.0) * np.cos(
        (math.pi / 2 / 64.0) * i * (2 * j + 1)
    )
    return matrix


_DCT = _dct_matrix()


@attrs.frozen
class Pdq:
    """A picture's PDQ hash (64 hex digits) and its quality, 0 to 100."""

    hash: str
    quality: int

    def distance(self, other: str) -> int:
        """The Hamming distance between this hash and ``other``, in bits."""
        return (int(self.hash, 16) ^ int(other, 16)).bit_count()


def pdq_of(picture: Image.Image) -> Pdq:
    """The PDQ hash of ``picture`` as it is shown (the caller has applied its orientation)."""
    if max(picture.size) > MAX_SIDE:
        picture = picture.copy()
        picture.thumbnail((MAX_SIDE, MAX_SIDE))
    rgb = np.asarray(picture.convert("RGB"), dtype=np.float64)
    return pdq_of_luma(rgb @ LUMA)


def pdq_of_luma(luma: npt.NDArray[np.float64]) -> Pdq:
    """The PDQ hash of a picture's luma, rows by columns, 0 to 255."""
    rows, cols = luma.shape
    along_rows = _window(cols)
    along_cols = _window(rows)
    picks_rows = ((np.arange(64) + 0.5) * rows / 64).astype(int)
    picks_cols = ((np.arange(64) + 0.5) * cols / 64).astype(int)
    blurred = _box(luma, along_rows, axis=1)
    blurred = _box(blurred, along_cols, axis=0)
    # The second pass is needed at the 64 x 64 samples alone: along rows at their columns,
    # then along columns at their rows.
    blurred = _box(blurred, along_rows, axis=1, at=picks_cols)
    sampled = _box(blurred, along_cols, axis=0, at=picks_rows)
    quality = _quality(sampled)
    coefficients = _DCT @ sampled @ _DCT.T
    median = np.sort(coefficients, axis=None)[127]  # the reference's Torben median: the lower
    bits = coefficients > median
    words = (bits * (1 << np.arange(16))).sum(axis=1)
    return Pdq("".join(f"{int(word):04x}" for word in words[::-1]), quality)


def _window(side: int) -> int:
    return (side + WINDOW_DIVISOR - 1) // WINDOW_DIVISOR


def _box(
    values: npt.NDArray[np.float64],
    window: int,
    axis: int,
    at: npt.NDArray[np.int_] | None = None,
) -> npt.NDArray[np.float64]:
    """The reference's box filter along ``axis``: the mean of a window of ``window`` samples
    around each, from ``half - window`` before it to ``half`` after (``half`` being
    ``(window + 2) // 2``), the window cut short at the ends; at the indices ``at`` alone,
    if given."""
    n = values.shape[axis]
    half = (window + 2) // 2
    index = np.arange(n) if at is None else at
    low = np.maximum(0, index - window + half)
    high = np.minimum(n, index + half)
    moved = np.moveaxis(values, axis, 0)
    sums = np.concatenate([np.zeros((1, *moved.shape[1:])), np.cumsum(moved, axis=0)])
    means = (sums[high] - sums[low]) / (high - low)[(...,) + (None,) * (moved.ndim - 1)]
    return np.moveaxis(means, 0, axis)


def _quality(sampled: npt.NDArray[np.float64]) -> int:
    """The reference's count of significant gradients between neighbours, over 90, at most
    100."""
    down = np.trunc((sampled[:-1, :] - sampled[1:, :]) * 100 / 255)
    across = np.trunc((sampled[:, :-1] - sampled[:, 1:]) * 100 / 255)
    total = int(np.abs(down).sum() + np.abs(across).sum())
    return min(100, total // 90)
