"""The corpus through the codec: each file stored whole and as a browser shows it, or refused as
damaged; never anything else."""

from __future__ import annotations

import pytest

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
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
