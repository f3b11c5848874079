"""A suggested focal point for a picture, where its detail, colour and skin concentrate.

No model: the measure of libvips' "attention" smartcrop (``libvips/conversion/smartcrop.c``,
which sharp and smartcrop.js began), on a copy at most :data:`WORK_SIDE` pixels a side:

- **detail**: the size of the luma's Laplacian, which a flat area or a soft gradient (its second
  derivative nought) leaves dark, so that a graded background draws nothing;
- **skin**: how near each pixel's chroma (Cb, Cr of JPEG's YCbCr) is to skin's, the dark ones
  left out (their chroma is noise). libvips takes smartcrop.js's measure, the angle between a
  pixel's colour and one skin colour, which barely tells skin from grey (a grey is as near in
  angle as a dark skin): skin and grey are well apart in chroma, the classic skin rule's plane;
- **colour**: the chroma past a muted level, so that greys and washed-out colours draw nothing.

These are added into one saliency map, transparent pixels counting as nothing (the colours are
taken on black, as libvips premultiplies them, and each pixel's saliency is weighed by its
alpha), and blurred by a Gaussian about a sixteenth of the shorter side wide (libvips ties it
to the size of the crop; a focus is asked for before any crop is known).

libvips then takes the blurred map's highest point, the centre of the best window: on its grid
of 32 x 32 a point can be off by a sixteenth of a side, and two near peaks swap on a small
change. Here the blurred map is sampled on a grid about a quarter of the working copy's size
and the focus is the weighted centroid of the **strongest region**: the samples joined to the
highest one that stand above the halfway level between the map's median (its background, so
that a colour or a texture spread over the whole picture adds nothing) and that peak, each
weighed by how far above that level it stands. It moves smoothly with the picture, lands
between two subjects that the blur joins into one region (a couple's faces), and on the
stronger of two that it does not (a crop cannot hold both). A picture with no such peak (flat,
or a smooth gradient) has the centre for its focus.

Numpy and Pillow only, deterministic, a few milliseconds after the reduction (whose cost is
Pillow's box filter over the decoded picture, once).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

#: The working copy is at most this many pixels a side, reduced by a whole factor with Pillow's
#: box filter (:meth:`PIL.Image.Image.reduce`): fine enough that a texture still shows in the
#: Laplacian, which a copy at libvips' 32 pixels would have averaged away.
WORK_SIDE = 256
#: The blurred map is sampled every this many pixels of the working copy.
GRID_STEP = 4
#: The blur's standard deviation, as a fraction of the working copy's shorter side.
BLUR = 1 / 16
#: The focus when no point stands out.
CENTRE = (0.5, 0.5)
#: A blurred saliency whose peak stands less than this above its median has no focus.
#: (A smooth gradient, quantized to 8 bits and reduced, leaves a hundredth of it.)
FLAT = 0.01

#: ITU-R 601 (JPEG's) luma and chroma of 8-bit RGB, as fractions: Y 0 to 1, Cb and Cr -0.5 to 0.5.
_YCBCR = np.array(
    [
        [0.299, 0.587, 0.114],
        [-0.168736, -0.331264, 0.5],
        [0.5, -0.418688, -0.081312],
    ]
).T / 255
#: Skin's chroma, and how far it spreads along Cb and Cr: the middle of Chai and Ngan's skin
#: rule (Cb 77 to 127, Cr 133 to 173 of 255), over skin from pale to deep brown.
_SKIN_CB, _SKIN_CR = -23 / 255, 25 / 255
_SKIN_SPREAD_CB, _SKIN_SPREAD_CR = 12 / 255, 10 / 255
#: Below this luma a pixel's chroma says nothing of skin; full weight from twice it.
_DARK = 0.06
#: Chroma up to this counts as no colour (a fraction of the whole range, 0 to about 0.6).
_MUTED = 0.12
#: The weights of skin and colour beside detail (the Laplacian of a 0 to 1 luma: about 0.05
#: to 0.3 in a photograph's textured parts at the working size, past 1 in a hard texture).
_SKIN_WEIGHT = 0.5
_COLOUR_WEIGHT = 0.5


def suggested_focus(picture: Image.Image) -> tuple[float, float]:
    """(x, y) as fractions of the picture's width and height from its top left corner, each 0 to 1."""
    factor = -(-max(picture.size) // WORK_SIDE)
    small = _reduced(picture, factor)
    rgb, alpha = _premultiplied(small)
    saliency = _saliency(rgb) * alpha
    found = _strongest_region_centre(saliency)
    if found is None:
        return CENTRE
    x, y = found  # in pixels of the working copy, from its top left corner
    return (
        min(1.0, max(0.0, x * factor / picture.width)),
        min(1.0, max(0.0, y * factor / picture.height)),
    )


def _reduced(picture: Image.Image, factor: int) -> Image.Image:
    """``picture`` reduced ``factor`` times, in L, LA, RGB or RGBA (a palette or a transparent
    colour becomes an alpha channel first: reducing a palette's indices would mean nothing)."""
    if picture.mode not in ("L", "LA", "RGB", "RGBA") or "transparency" in picture.info:
        picture = picture.convert("RGBA")
    # Pillow reduces LA and RGBA premultiplied: a hidden colour does not bleed into its
    # neighbours.
    return picture.reduce(factor) if factor > 1 else picture


def _premultiplied(
    picture: Image.Image,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The colours of ``picture`` on black (0 to 255, rows by columns by RGB) and its alpha (0
    to 1, rows by columns)."""
    pixels = np.asarray(picture, dtype=np.float64)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if picture.mode in ("LA", "RGBA"):
        alpha = pixels[:, :, -1] / 255
        colour = pixels[:, :, :-1] * alpha[:, :, None]
    else:
        alpha = np.ones(pixels.shape[:2])
        colour = pixels
    if colour.shape[2] == 1:
        colour = np.repeat(colour, 3, axis=2)
    return colour, alpha


def _saliency(rgb: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Detail, skin and colour of each pixel of ``rgb`` (0 to 255), added."""
    ycbcr = rgb @ _YCBCR
    luma, cb, cr = ycbcr[:, :, 0], ycbcr[:, :, 1], ycbcr[:, :, 2]
    edged = np.pad(luma, 1, mode="edge")
    detail = np.abs(
        4 * luma - edged[:-2, 1:-1] - edged[2:, 1:-1] - edged[1:-1, :-2] - edged[1:-1, 2:]
    )
    lit = np.clip(luma / _DARK - 1, 0, 1)
    skin = lit * np.exp(
        -0.5 * ((cb - _SKIN_CB) / _SKIN_SPREAD_CB) ** 2
        - 0.5 * ((cr - _SKIN_CR) / _SKIN_SPREAD_CR) ** 2
    )
    colour = np.maximum(np.hypot(cb, cr) - _MUTED, 0)
    saliency: npt.NDArray[np.float64] = detail + _SKIN_WEIGHT * skin + _COLOUR_WEIGHT * colour
    return saliency


def _strongest_region_centre(saliency: npt.NDArray[np.float64]) -> tuple[float, float] | None:
    """The weighted centroid (x, y, in pixels from the top left corner) of the strongest region
    of ``saliency`` once blurred, or None when nothing stands out."""
    rows, cols = saliency.shape
    sigma = max(1.0, BLUR * min(rows, cols))
    down, row_at = _blur_and_sample(rows, sigma)
    across, col_at = _blur_and_sample(cols, sigma)
    blurred = down @ saliency @ across.T
    peak = np.unravel_index(int(np.argmax(blurred)), blurred.shape)
    base = float(np.median(blurred))
    height = float(blurred[peak]) - base
    if not height >= FLAT:  # NaN too
        return None
    weights = np.maximum(blurred - (base + height / 2), 0)
    weights *= _joined_to(peak, weights > 0)
    total = weights.sum()
    return float(weights.sum(axis=0) @ col_at / total), float(weights.sum(axis=1) @ row_at / total)


def _blur_and_sample(
    side: int, sigma: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """A Gaussian blur of standard deviation ``sigma`` along a side of ``side`` pixels, sampled
    every :data:`GRID_STEP` pixels: the matrix (samples by pixels, its rows each summing to 1,
    so that the blur is not darkened near the edges) and where the samples are (in pixels from
    the edge)."""
    samples = max(1, math.ceil(side / GRID_STEP))
    at = (np.arange(samples) + 0.5) * side / samples
    distance = (np.arange(side) + 0.5)[None, :] - at[:, None]
    matrix = np.exp(-0.5 * (distance / sigma) ** 2)
    matrix /= matrix.sum(axis=1, keepdims=True)
    return matrix, at


def _joined_to(start: tuple[np.intp, ...], inside: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The cells of ``inside`` joined to ``start`` through their edges. Grown a ring at a time,
    at most one step per cell, so the walk ends."""
    region = np.zeros_like(inside)
    region[start] = True
    for _ in range(inside.size):
        grown = region.copy()
        grown[1:] |= region[:-1]
        grown[:-1] |= region[1:]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        grown &= inside
        if np.array_equal(grown, region):
            break
        region = grown
    return region
