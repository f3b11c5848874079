"""ICC profiles made for pictures that name their colours by code instead (H.273 ``nclx``, as
HEIC and AVIF files do): Pillow's colour management converts from a profile, not from a code.

A profile is the primaries and white point of the colour space, adapted to ICC's D50 white by
the Bradford transform, with sRGB's tone curve: the curve of every SDR code handled here.
"""

from __future__ import annotations

import struct
from functools import cache

#: Chromaticities (x, y) of red, green, blue and white, by H.273 colour primaries code.
PRIMARIES: dict[int, tuple[tuple[float, float], ...]] = {
    1: ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060), (0.3127, 0.3290)),  # BT.709, sRGB
    9: ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046), (0.3127, 0.3290)),  # BT.2020
    11: ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060), (0.314, 0.351)),  # DCI-P3
    12: ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060), (0.3127, 0.3290)),  # Display P3
}
#: Transfer characteristics whose curve sRGB's stands for (BT.709, BT.601, sRGB, BT.2020 SDR).
#: PQ and HLG are HDR: shown as they are decoded, since they need tone mapping, not a profile.
SDR_TRANSFERS = frozenset({1, 2, 6, 13, 14, 15})
_D50 = (0.9642, 1.0, 0.8249)
_BRADFORD = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))

Matrix = tuple[tuple[float, ...], ...]


def needs_profile(primaries: int, transfer: int) -> bool:
    """Whether pixels in these codes differ from sRGB and a profile can say how."""
    return primaries in PRIMARIES and primaries != 1 and transfer in SDR_TRANSFERS


@cache
def profile_for(primaries: int) -> bytes:
    """An RGB ICC profile of the colour space named by H.273 code ``primaries``."""
    return _icc(colorants(primaries))


def colorants(primaries: int) -> Matrix:
    """The D50 XYZ of full red, green and blue (a row each), as an ICC profile holds them."""
    *rgb, white = PRIMARIES[primaries]
    columns = [_xyz(x, y) for x, y in rgb]
    white_xyz = _xyz(*white)
    scales = _solve(_transpose(tuple(columns)), white_xyz)
    to_xyz = tuple(tuple(c * s for c in column) for column, s in zip(columns, scales, strict=True))
    adapt = _adaptation(white_xyz)
    return tuple(_apply(adapt, column) for column in to_xyz)


def _xyz(x: float, y: float) -> tuple[float, ...]:
    return (x / y, 1.0, (1 - x - y) / y)


def _adaptation(white: tuple[float, ...]) -> Matrix:
    source, target = _apply(_BRADFORD, white), _apply(_BRADFORD, _D50)
    scaled = tuple(
        tuple(value * target[row] / source[row] for value in _BRADFORD[row]) for row in range(3)
    )
    return _product(_inverse(_BRADFORD), scaled)


def _apply(matrix: Matrix, vector: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix)


def _product(a: Matrix, b: Matrix) -> Matrix:
    return tuple(
        tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3)
    )


def _transpose(m: Matrix) -> Matrix:
    return tuple(tuple(m[j][i] for j in range(3)) for i in range(3))


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (
        ((e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
        ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
        ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det),
    )


def _solve(m: Matrix, v: tuple[float, ...]) -> tuple[float, ...]:
    return _apply(_inverse(m), v)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _icc(rows: Matrix) -> bytes:
    def xyz(values: tuple[float, ...]) -> bytes:
        return b"XYZ " + bytes(4) + b"".join(_s15(v) for v in values)

    # sRGB's curve as ICC's parametric function 3: (a x + b)^g above d, c x below.
    curve = b"para" + bytes(4) + struct.pack(">HH", 3, 0)
    curve += b"".join(_s15(v) for v in (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
    text = b"imagecore nclx"
    desc = b"mluc" + bytes(4) + struct.pack(">II", 1, 12) + b"enUS"
    desc += struct.pack(">II", len(text) * 2, 28) + text.decode().encode("utf-16-be")
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(_D50)),
        (b"rXYZ", xyz(rows[0])),
        (b"gXYZ", xyz(rows[1])),
        (b"bXYZ", xyz(rows[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (
            b"cprt",
            b"mluc" + bytes(4) + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", 0, 28),
        ),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, blobs = b"", b""
    for signature, blob in tags:
        blob += bytes(-len(blob) % 4)
        table += signature + struct.pack(">II", offset + len(blobs), len(blob))
        blobs += blob
    body = struct.pack(">I", len(tags)) + table + blobs
    header = (
        struct.pack(">I", 128 + len(body))
        + bytes(4)
        + bytes([4, 0x30, 0, 0])  # version 4.3
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(4 + 4 + 4 + 4 + 8 + 4)  # platform, flags, maker, model, attributes, intent
        + b"".join(_s15(v) for v in _D50)
        + bytes(4 + 16 + 28)  # creator, ID, reserved
    )
    assert len(header) == 128
    return header + body
