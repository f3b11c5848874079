"""When an upload is a blocked picture: the same pixels, or a PDQ hash near enough and saying
enough."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from imagecore.blocking import PDQ_DISTANCE, BlockedPicture, Matching, pdq_distance
from imagecore.model import Fingerprint

BASE = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22"


def flipped(hash_: str, bits: set[int]) -> str:
    value = int(hash_, 16)
    for bit in bits:
        value ^= 1 << bit
    return f"{value:064x}"


@given(st.sets(st.integers(0, 255), max_size=60), st.integers(0, 100))
def test_a_pdq_hash_matches_within_the_distance_where_its_quality_allows(
    bits: set[int], quality: int
) -> None:
    upload = Fingerprint("11" * 32, flipped(BASE, bits), quality)
    entry = BlockedPicture(pdq=BASE)
    assert pdq_distance(BASE, upload.pdq) == len(bits)
    assert Matching().matches(upload, entry) == (len(bits) <= PDQ_DISTANCE and quality >= 50)


def test_the_same_pixels_match_whatever_their_pdq_quality() -> None:
    upload = Fingerprint("22" * 32, "00" * 32, 0)
    assert Matching().matches(upload, BlockedPicture(exact="22" * 32))
    assert not Matching().matches(upload, BlockedPicture(exact="33" * 32))


def test_a_takedown_blocks_by_pdq_only_where_the_hash_says_enough() -> None:
    featureless = Fingerprint("44" * 32, BASE, 12)
    assert BlockedPicture.taken_down(featureless, "abuse") == BlockedPicture(
        "44" * 32, None, "abuse"
    )
    telling = Fingerprint("55" * 32, BASE, 80)
    assert BlockedPicture.taken_down(telling, "abuse").pdq == BASE
