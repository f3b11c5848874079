"""The corpus through the codec: each file stored whole and as a browser shows it, or refused as
damaged; never anything else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.structure import damage
from imagecore.errors import InvalidImage
from tests import images
from tests.corpus import CASES, Case, looks

BOX = Box(800, 800)


@pytest.mark.parametrize("case", [c for c in CASES if c.refusal is None], ids=lambda c: c.name)
def test_a_good_file_is_stored_whole_and_upright(case: Case) -> None:
    """Stored with every frame, and turned only by the orientation a browser would apply."""
    stored = images.decode(PillowCodec().encode(case.make(), BOX, ImageLimits()).data)
    assert getattr(stored, "n_frames", 1) == case.frames
    assert looks(stored) == case.upright


@pytest.mark.parametrize("case", [c for c in CASES if c.refusal], ids=lambda c: c.name)
def test_a_damaged_file_is_refused_as_damaged(case: Case) -> None:
    """Refused as damaged, never decoded into a partial picture."""
    with pytest.raises(InvalidImage) as refused:
        PillowCodec().encode(case.make(), BOX, ImageLimits())
    assert refused.value.reason == "damaged"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    head=st.sampled_from([b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x10\x00\x00\x00WEBP", b""]),
    rest=st.binary(max_size=300),
)
def test_the_structure_checks_never_raise(head: bytes, rest: bytes) -> None:
    """Whatever follows a signature, the check answers in words or not at all: it never
    raises, so a fault in it cannot hide behind the codec's refusal of unforeseen errors."""
    found = damage(head + rest)
    assert found is None or isinstance(found, str)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_cut_of_a_corpus_file_is_answered_in_words(case: Case) -> None:
    """Each prefix of each corpus file: the structure check answers without raising."""
    data = case.make()
    for end in range(0, len(data), max(1, len(data) // 40)):
        found = damage(data[:end])
        assert found is None or isinstance(found, str)
