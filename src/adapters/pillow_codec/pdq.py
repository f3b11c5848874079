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

PDQ bears little cropping (a copy with 2.5 % cut off each side is about 46 bits from the
whole), so the hashes of parts of a picture (each a :class:`Crop`) can be taken beside its own,
from the same luma and blur, each at a fraction of a hash's cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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


@attrs.frozen
class Crop:
    """A part of a picture: the fractions of its width and of its height cut off at each side,
    each under a half (``Crop()`` is the whole picture)."""

    left: float = 0.0
    top: float = 0.0
    right: float = 0.0
    bottom: float = 0.0

    def __attrs_post_init__(self) -> None:
        if not all(0 <= margin < 0.5 for margin in attrs.astuple(self)):
            raise ValueError(f"a crop's margins are from 0 to under a half: {self!r}")

    def within(self, rows: int, cols: int) -> tuple[int, int, int, int]:
        """Its rows and columns in a picture of ``rows`` by ``cols``: top, bottom, left, right
        (the last ones past it), each margin rounded to the nearest pixel, never all of them."""
        top = math.floor(rows * self.top + 0.5)
        left = math.floor(cols * self.left + 0.5)
        bottom = max(top + 1, rows - math.floor(rows * self.bottom + 0.5))
        right = max(left + 1, cols - math.floor(cols * self.right + 0.5))
        return top, bottom, left, right


#: The whole picture.
WHOLE = Crop()


def pdq_of(picture: Image.Image) -> Pdq:
    """The PDQ hash of ``picture`` as it is shown (the caller has applied its orientation)."""
    return pdqs_of(picture, (WHOLE,))[0]


def pdqs_of(picture: Image.Image, crops: Sequence[Crop]) -> tuple[Pdq, ...]:
    """The PDQ hashes of parts of ``picture``, one for each of ``crops``, from one luma."""
    if max(picture.size) > MAX_SIDE:
        picture = picture.copy()
        picture.thumbnail((MAX_SIDE, MAX_SIDE))
    rgb = np.asarray(picture.convert("RGB"), dtype=np.float64)
    return pdqs_of_luma(rgb @ LUMA, crops)


def pdq_of_luma(luma: npt.NDArray[np.float64]) -> Pdq:
    """The PDQ hash of a picture's luma, rows by columns, 0 to 255."""
    return pdqs_of_luma(luma, (WHOLE,))[0]


def pdqs_of_luma(luma: npt.NDArray[np.float64], crops: Sequence[Crop]) -> tuple[Pdq, ...]:
    """The PDQ hashes of parts of a picture's luma, one for each of ``crops``, in one go.

    The whole's is the reference's. The crops share the first pass of its blur, so that each
    costs its 64 x 64 samples alone: the second pass is the crop's own (windows a 128th of its
    sides, cut short at its edges), the first the whole's (windows a 128th of the whole's sides,
    running past the crop's edges). A crop's hash is thus not quite that of the crop cut out
    and hashed alone: within 12 bits of it on the tests' pictures, and as near to a cropped
    copy's hash."""
    if not crops:
        return ()
    rows, cols = luma.shape
    blurred = _box(luma, _window(cols), axis=1)
    blurred = _box(blurred, _window(rows), axis=0)
    # The second pass is needed at the samples alone: the sum of each one's window, for every
    # crop at once, read off a table of the sums of the blurred luma above and left of each
    # pixel (the same means as the reference's two runs, rounded otherwise).
    table = _prefix_sums(_prefix_sums(blurred, axis=0), axis=1)
    top, bottom, left, right = np.array([crop.within(rows, cols) for crop in crops]).T
    row_low, row_high = _windows(top, bottom)
    col_low, col_high = _windows(left, right)

    def table_at(row: npt.NDArray[np.int_], col: npt.NDArray[np.int_]) -> npt.NDArray[np.float64]:
        return table[row[:, :, None], col[:, None, :]]

    sums = (
        table_at(row_high, col_high)
        - table_at(row_low, col_high)
        - table_at(row_high, col_low)
        + table_at(row_low, col_low)
    )
    counts = (row_high - row_low)[:, :, None] * (col_high - col_low)[:, None, :]
    sampled = sums / counts  # crops by 64 by 64
    coefficients = _DCT @ sampled @ _DCT.T
    # The reference's Torben median: the lower.
    medians = np.sort(coefficients.reshape(len(crops), -1), axis=1)[:, 127]
    bits = coefficients > medians[:, None, None]
    words = (bits * (1 << np.arange(16))).sum(axis=2)
    return tuple(
        Pdq("".join(f"{int(word):04x}" for word in row[::-1]), quality)
        for row, quality in zip(words, _quality(sampled), strict=True)
    )


def _window(side: int) -> int:
    return (side + WINDOW_DIVISOR - 1) // WINDOW_DIVISOR


def _windows(
    start: npt.NDArray[np.int_], stop: npt.NDArray[np.int_]
) -> tuple[npt.NDArray[np.int_], npt.NDArray[np.int_]]:
    """Where the box filter's windows begin and end (past them) around the 64 samples of each
    span from ``start`` to ``stop``, a 128th of the span wide and cut short at its ends: spans
    by 64 each."""
    side = stop - start
    window = (-(-side // WINDOW_DIVISOR))[:, None]
    half = (window + 2) // 2
    at = start[:, None] + ((np.arange(64) + 0.5) * side[:, None] / 64).astype(int)
    return np.maximum(start[:, None], at - window + half), np.minimum(stop[:, None], at + half)


def _box(values: npt.NDArray[np.float64], window: int, axis: int) -> npt.NDArray[np.float64]:
    """The reference's box filter along ``axis``: the mean of a window of ``window`` samples
    around each, from ``half - window`` before it to ``half`` after (``half`` being
    ``(window + 2) // 2``), the window cut short at the ends."""
    n = values.shape[axis]
    half = (window + 2) // 2
    index = np.arange(n)
    low = np.maximum(0, index - window + half)
    high = np.minimum(n, index + half)
    sums = _prefix_sums(values, axis)
    means: npt.NDArray[np.float64]
    if axis == 0:
        means = (sums[high] - sums[low]) / (high - low)[:, None]
    else:
        means = (sums[:, high] - sums[:, low]) / (high - low)
    return means


def _prefix_sums(values: npt.NDArray[np.float64], axis: int) -> npt.NDArray[np.float64]:
    """The sums of the first 0, 1, ... n samples along ``axis``."""
    zeros = np.zeros_like(np.take(values, [0], axis=axis))
    return np.concatenate([zeros, np.cumsum(values, axis=axis)], axis=axis)


def _quality(sampled: npt.NDArray[np.float64]) -> list[int]:
    """The reference's count of significant gradients between neighbours, over 90, at most
    100, of each of the 64 x 64 samples stacked in ``sampled``."""
    down = np.trunc((sampled[:, :-1, :] - sampled[:, 1:, :]) * 100 / 255)
    across = np.trunc((sampled[:, :, :-1] - sampled[:, :, 1:]) * 100 / 255)
    totals = np.abs(down).sum(axis=(1, 2)) + np.abs(across).sum(axis=(1, 2))
    return [min(100, int(total) // 90) for total in totals]
