"""A suggested focal point for a picture, where its detail, skin and colour concentrate.

No model: the measure of libvips' "attention" smartcrop (``libvips/conversion/smartcrop.c``,
after sharp and smartcrop.js), taken on a copy at most :data:`WORK_SIDE` pixels a side:

- **detail**: the magnitude of the luma's Laplacian, which a flat area or a soft gradient
  (whose second derivative is nought) leaves dark, so that a graded background draws nothing;
- **skin**: how near each pixel's hue in the chroma plane (Cb, Cr of JPEG's YCbCr) is to skin's,
  for a moderate chroma and not in the dark (where chroma is noise). libvips scores 100 less 100
  times the distance between a pixel's colour scaled to unit length and one skin colour
  (smartcrop.js's, meant for RGB, applied in XYZ), with no threshold: a grey scores 70 there, a
  dark skin 72, a light one 87. In the chroma plane grey has no hue at all, and beige, sand,
  pink and orange stand apart from faces;
- **colour**: the chroma past a muted level, so that greys and washed-out colours draw nothing
  (libvips takes Lab's a*, signed: a red draws, a green repels).

They are weighed and added into one saliency map, where a transparent pixel counts as nothing
(the colours are taken on black, as libvips premultiplies them, and each pixel's saliency is
weighed by its alpha), and the map is blurred by a Gaussian a sixteenth of the shorter side
(libvips ties the blur to the size of its crop; a focus is asked for before any crop is known).

libvips then takes the blurred map's highest point, the centre of the best window: on its grid
of 32 x 32 the point is a thirty-second of a side coarse, and two near peaks swap on a small
change. Here the focus is the weighted centroid of the **strongest region** of the blurred map,
sampled on a grid a quarter of the working copy's size: what stands out is how far each sample
stands above the map's median (so that a colour or a texture spread over the whole picture adds
nothing), weighed down a little towards the sides, as people look at a picture; the region is
the samples joined to the highest one that stand above half its height, each weighed by how
far above that half it stands. The point moves smoothly with the picture, lands between two
subjects that the blur joins into one region (a couple's faces) and on the stronger of two that
it does not (a crop could not hold both). A picture where nothing stands out (flat, a smooth
gradient, a plain sky) has the centre for its focus.

Numpy and Pillow only, and deterministic. The cost is Pillow's box filter over the decoded
picture once (a few milliseconds for 4000 x 3000 RGB, about three times that for RGBA, which
Pillow premultiplies first), then about 2 ms on the working copy.
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
#: How much less what stands out weighs at a side than in the middle (0.7 of it at a side, 0.49
#: in a corner), as people look at a picture: nearer the middle, all else equal; and so that a
#: picture whose detail is spread evenly has its focus nearer the middle than a side.
CENTRE_PULL = 0.3
#: The modes reduced as they are, and the modes with an alpha channel.
_REDUCIBLE = ("L", "LA", "RGB", "RGBA")
_ALPHA = ("LA", "PA", "RGBA", "RGBa")
#: The working copy's pixels this near its sides have no detail.
_BORDER = 2
#: The focus when no point stands out.
CENTRE = (0.5, 0.5)
#: A blurred saliency whose peak stands less than this above its median has no focus: a smooth
#: gradient, JPEG's blocks in a plain sky or a sensor's noise stand at most about 0.006 (noise of
#: 3 levels in 8 bits in a picture 100 pixels a side: 0.005); the photographs of the tests with
#: any subject, 0.02 (a zebra's stripes over the whole picture) to 0.3.
FLAT = 0.01

#: ITU-R 601 (JPEG's) luma and chroma of 8-bit RGB, rows Y, Cb, Cr, as fractions: Y 0 to 1, Cb
#: and Cr -0.5 to 0.5.
_YCBCR = (
    (0.299 / 255, 0.587 / 255, 0.114 / 255),
    (-0.168736 / 255, -0.331264 / 255, 0.5 / 255),
    (0.5 / 255, -0.418688 / 255, -0.081312 / 255),
)
#: Skin's hue in the chroma plane (Cb, Cr), in degrees from +Cr towards -Cb, and how far it
#: spreads: faces in photographs and skin from pale to deep brown lie at 28 to 47 degrees; a
#: beige wall at 55 to 60, sand at 66, pink at 0, grey nowhere (it has no hue).
_SKIN_HUE, _SKIN_HUE_SPREAD = 37.0, 10.0
#: Skin's chroma (its distance from grey, of 255): faces hold 14 to 47; a colour grows from
#: nothing to skin over the first of these ranges and fades from skin over the second
#: (an orange, a sunset: 75 and more).
_SKIN_CHROMA_RISE, _SKIN_CHROMA_FALL = (6.0, 14.0), (50.0, 70.0)
#: Below this luma a pixel's chroma says nothing of skin; full weight from twice it.
_DARK = 0.06
#: Chroma up to this counts as no colour (0 for a grey, about a half for a pure colour).
_MUTED = 0.12
#: The weights of skin and colour beside detail (the Laplacian of a 0 to 1 luma: about 0.05
#: to 0.3 in a photograph's textured parts at the working size, past 1 in a hard texture).
_SKIN_WEIGHT = 0.25
_COLOUR_WEIGHT = 0.5


def suggested_focus(picture: Image.Image) -> tuple[float, float]:
    """(x, y) as fractions of the picture's width and height from its top left corner, each 0
    to 1."""
    if not picture.width or not picture.height:
        return CENTRE
    factor = -(-max(picture.size) // WORK_SIDE)
    small = _reduced(picture, factor)
    rgb, alpha = _premultiplied(small)
    saliency = _saliency(rgb) * alpha
    found = _strongest_region_centre(saliency)
    if found is None:
        return CENTRE
    # In pixels of the working copy from its top left corner, each standing for ``factor``
    # pixels of the picture (the last column and row for fewer: an error under 1/256).
    x, y = found
    return (
        min(1.0, max(0.0, x * factor / picture.width)),
        min(1.0, max(0.0, y * factor / picture.height)),
    )


def _reduced(picture: Image.Image, factor: int) -> Image.Image:
    """``picture`` reduced ``factor`` times, in L, LA, RGB or RGBA. Any other mode (a palette,
    whose indices cannot be averaged, or a transparent colour, which averaging would lose) is
    converted first: to RGBA if it has transparency, else to RGB."""
    if picture.mode == "La":  # premultiplied, which Pillow converts to LA alone
        picture = picture.convert("LA")
    if picture.mode not in _REDUCIBLE or "transparency" in picture.info:
        transparent = picture.mode in _ALPHA or "transparency" in picture.info
        picture = picture.convert("RGBA" if transparent else "RGB")
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
    """Detail, skin and colour of each pixel of ``rgb`` (0 to 255), weighed and added."""
    detail, skin, colour = _features(rgb)
    saliency: npt.NDArray[np.float64] = detail + _SKIN_WEIGHT * skin + _COLOUR_WEIGHT * colour
    return saliency


def _features(
    rgb: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The detail, skin and colour of each pixel of ``rgb`` (0 to 255)."""
    red, green, blue = rgb[:, :, 0], rgb[:, :, 1], rgb[:, :, 2]
    luma, cb, cr = (r * red + g * green + b * blue for r, g, b in _YCBCR)
    edged = np.pad(luma, 1, mode="edge")
    detail = np.abs(
        4 * luma - edged[:-2, 1:-1] - edged[2:, 1:-1] - edged[1:-1, :-2] - edged[1:-1, 2:]
    )
    # A scanner's line or a frame's edge along a side is not the picture's subject.
    detail[:_BORDER] = detail[-_BORDER:] = 0
    detail[:, :_BORDER] = detail[:, -_BORDER:] = 0
    chroma = np.sqrt(cb * cb + cr * cr)
    hue = np.degrees(np.arctan2(-cb, cr))
    skin = (
        np.clip(luma / _DARK - 1, 0, 1)
        * _ramp(chroma * 255, *_SKIN_CHROMA_RISE)
        * (1 - _ramp(chroma * 255, *_SKIN_CHROMA_FALL))
        * np.exp(-0.5 * ((hue - _SKIN_HUE) / _SKIN_HUE_SPREAD) ** 2)
    )
    colour = np.maximum(chroma - _MUTED, 0)
    return detail, skin, colour


def _ramp(values: npt.NDArray[np.float64], low: float, high: float) -> npt.NDArray[np.float64]:
    """0 up to ``low``, 1 from ``high``, a straight line between."""
    ramp: npt.NDArray[np.float64] = np.clip((values - low) / (high - low), 0, 1)
    return ramp


def _strongest_region_centre(saliency: npt.NDArray[np.float64]) -> tuple[float, float] | None:
    """The weighted centroid (x, y, in pixels from the top left corner) of the strongest region
    of ``saliency`` once blurred, or None when nothing stands out."""
    rows, cols = saliency.shape
    sigma = max(1.0, BLUR * min(rows, cols))
    down, row_at = _blur_and_sample(rows, sigma)
    across, col_at = _blur_and_sample(cols, sigma)
    # einsum, on one thread, not matmul: BLAS's threads wait for each other when the processors
    # are busy, and took this call from 3 ms to 12 and more on a loaded two-core machine.
    blurred = np.einsum("ij,jk->ik", np.einsum("ij,jk->ik", down, saliency), across.T)
    above = (blurred - np.median(blurred)) * np.outer(
        _towards_centre(row_at / rows), _towards_centre(col_at / cols)
    )
    peak = np.unravel_index(int(np.argmax(above)), above.shape)
    height = float(above[peak])
    if not height >= FLAT:  # NaN too
        return None
    weights = np.maximum(above - height / 2, 0)
    weights *= _joined_to(peak, weights > 0)
    total = weights.sum()
    x = (weights.sum(axis=0) * col_at).sum() / total
    y = (weights.sum(axis=1) * row_at).sum() / total
    return float(x), float(y)


def _towards_centre(at: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The weight of places ``at`` (fractions of a side): 1 in the middle, less towards the
    ends."""
    weight: npt.NDArray[np.float64] = 1 - CENTRE_PULL * (2 * at - 1) ** 2
    return weight


def _blur_and_sample(
    side: int, sigma: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """A Gaussian blur of standard deviation ``sigma`` along a side of ``side`` pixels, sampled
    about every :data:`GRID_STEP` pixels: the matrix (samples by pixels, its rows each summing to 1,
    so that the blur is not darkened near the edges) and where the samples are (in pixels from
    the edge)."""
    samples = max(1, math.ceil(side / GRID_STEP))
    at = (np.arange(samples) + 0.5) * side / samples
    distance = (np.arange(side) + 0.5)[None, :] - at[:, None]
    matrix = np.exp(-0.5 * (distance / sigma) ** 2)
    matrix /= matrix.sum(axis=1, keepdims=True)
    return matrix, at


def _joined_to(start: tuple[np.intp, ...], inside: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The cells of ``inside`` joined to ``start`` through their sides, grown a ring a step: at
    most as many steps as cells, so the walk ends."""
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
