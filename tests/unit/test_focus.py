"""Focal points: what the API takes, what CSS is given, and the fill window kept around them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imagecore import Slot
from imagecore.errors import InvalidFocus
from imagecore.focus import Focus, fill_window, parse_focus

fractions = st.floats(min_value=0, max_value=1)
sides = st.integers(min_value=1, max_value=6000)


@pytest.mark.parametrize(
    ("text", "focus"),
    [("0.5,0.3", Focus(0.5, 0.3)), (" 0 , 1 ", Focus(0, 1)), ("1,0.125", Focus(1, 0.125))],
)
def test_a_focus_is_two_fractions(text: str, focus: Focus) -> None:
    assert parse_focus(Slot.COVER, text) == focus


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0.5", "not two numbers"),
        ("0.5,0.3,0.1", "not two numbers"),
        ("left,top", "not two numbers"),
        ("", "not two numbers"),
        ("1.2,0.5", "outside the picture"),
        ("-0.1,0.5", "outside the picture"),
        ("nan,0.5", "outside the picture"),
        ("inf,0.5", "outside the picture"),
    ],
)
def test_a_bad_focus_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(InvalidFocus) as refused:
        parse_focus(Slot.PROFILE, text)
    assert (refused.value.slot, refused.value.problem) == (Slot.PROFILE, problem)


def test_css_gets_the_point_as_percentages() -> None:
    assert Focus(0.375, 0.2).object_position == "37.5% 20%"
    assert Focus(0, 1).object_position == "0% 100%"
    assert Focus(1 / 3, 0.5).object_position == "33.33% 50%"


@given(sides, sides, sides, sides, fractions, fractions)
def test_the_fill_window_keeps_the_focus_in_view_at_the_box_s_shape(
    width: int, height: int, box_width: int, box_height: int, x: float, y: float
) -> None:
    """The largest window of the box's shape within the picture, holding the focus, centred
    on it wherever the picture's edges allow."""
    left, top, right, bottom = fill_window(width, height, box_width, box_height, Focus(x, y))
    tolerance = 1e-6 * max(width, height)
    assert -tolerance <= left <= right <= width + tolerance
    assert -tolerance <= top <= bottom <= height + tolerance
    assert left - tolerance <= x * width <= right + tolerance
    assert top - tolerance <= y * height <= bottom + tolerance
    # The box's shape, as large as the picture allows: one axis spans it whole.
    assert (right - left) * box_height == pytest.approx((bottom - top) * box_width, rel=1e-9)
    assert right - left == pytest.approx(width) or bottom - top == pytest.approx(height)
    # Centred on the focus unless an edge stops it.
    middle_x, middle_y = (left + right) / 2, (top + bottom) / 2
    assert middle_x == pytest.approx(x * width) or left <= tolerance or right >= width - tolerance
    assert middle_y == pytest.approx(y * height) or top <= tolerance or bottom >= height - tolerance


def test_without_a_focus_the_window_is_the_centre() -> None:
    assert fill_window(3000, 1000, 1000, 1000, None) == (1000, 0, 2000, 1000)
    assert fill_window(3000, 1000, 1000, 1000, Focus(0.05, 0.5)) == (0, 0, 1000, 1000)
    assert fill_window(3000, 1000, 1000, 1000, Focus(0.7, 0.5)) == (1600, 0, 2600, 1000)
