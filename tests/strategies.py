"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from imagecore import Slot

HOSTILE_USER_IDS = ("../../x", "a/b", "x\x00y", "..", "x" * 500, "\\\\server\\share", "")

user_ids = st.one_of(st.sampled_from(HOSTILE_USER_IDS), st.text(max_size=40))
slots = st.sampled_from(list(Slot))
slot_sets = st.sets(slots, min_size=1)
