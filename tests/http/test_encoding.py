"""The Litestar binding encodes the web layer's bodies with msgspec, for speed: the bytes must be
those of answers.encode, which the other bindings send, for any text a body may hold."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from imagecore.adapters.web import answers

#: What a body holds: text of any kind (a description, a sentence echoing what was sent),
#: whole numbers, booleans and nulls, in lists and objects.
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), values, max_size=5))
def test_msgspec_writes_the_bytes_answers_encode_writes(body: answers.Body) -> None:
    assert msgspec.json.Encoder().encode(body) == answers.encode(body)
