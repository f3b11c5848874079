"""Focal points: the part of a picture to keep in view, wherever it is shown cropped (a phone's
narrow banner, a desktop's wide one, another app's card, a slot's box in fill mode).

A focus is a point of the upright picture (its orientation applied), as fractions of its width
and height from its top left corner; the API takes it as ``x,y`` (``0.5,0.3``), and CSS as an
``object-position``.
"""

from __future__ import annotations

import math

from imagecore.errors import InvalidFocus
from imagecore.model import Focus, Slot


def parse_focus(slot: Slot, text: str) -> Focus:
    """The focus ``text`` gives (``x,y``, each a decimal fraction from 0 to 1), or
    :class:`InvalidFocus` saying what is wrong with it."""
    parts = text.strip().split(",")
    if len(parts) != 2:
        raise InvalidFocus(slot, "not two numbers")
    try:
        x, y = (float(part) for part in parts)
    except ValueError:
        raise InvalidFocus(slot, "not two numbers") from None
    if not all(math.isfinite(v) and 0 <= v <= 1 for v in (x, y)):
        raise InvalidFocus(slot, "outside the picture")
    return Focus(x, y)


def fill_window(
    width: int, height: int, box_width: int, box_height: int, focus: Focus | None
) -> tuple[float, float, float, float]:
    """The part of a ``width`` x ``height`` picture that fill mode brings to a
    ``box_width`` x ``box_height`` box: the largest region of the box's shape, centred on the
    focus as far as the picture allows (on its centre without one); (left, top, right, bottom)
    in pixels."""
    scale = min(width / box_width, height / box_height)
    window_width, window_height = box_width * scale, box_height * scale
    x, y = (0.5, 0.5) if focus is None else (focus.x, focus.y)
    left = min(max(x * width - window_width / 2, 0.0), width - window_width)
    top = min(max(y * height - window_height / 2, 0.0), height - window_height)
    return left, top, left + window_width, top + window_height
