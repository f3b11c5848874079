"""The corpus through the codec: each file stored whole and as a browser shows it, or refused as
damaged; never anything else."""

from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imagecore import Box, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.formats import damage, mended
from imagecore.rejections import InvalidImage, UnsupportedImageType
from tests import images
from tests.corpus import CASES, SIGNATURE, Case, apng, checksum_broken, chunks, looks

BOX = Box(800, 800)


@pytest.mark.parametrize("case", [c for c in CASES if c.stored], ids=lambda c: c.name)
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


@pytest.mark.parametrize("case", [c for c in CASES if c.named], ids=lambda c: c.name)
def test_a_file_of_a_type_we_do_not_take_is_refused_by_name(case: Case) -> None:
    """Refused as what it is, not called damaged nor "not an image"."""
    with pytest.raises(UnsupportedImageType) as refused:
        PillowCodec().encode(case.make(), BOX, ImageLimits())
    assert refused.value.detected == case.named


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


def _chunk(kind: bytes, body: bytes, *, whole: bool = True) -> bytes:
    """A chunk, its checksum right or (``whole=False``) off by one bit."""
    crc = zlib.crc32(kind + body) ^ (0 if whole else 1)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


_HEADERS = st.builds(
    lambda depth, colour: struct.pack(">IIBBBBB", 1, 1, depth, colour, 0, 0, 0),
    st.sampled_from([1, 2, 4, 8, 16]),
    st.sampled_from([0, 2, 3, 6]),
)
_CHUNKS = st.builds(
    _chunk,
    st.sampled_from([b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"tEXt", b"eXIf", b"fdAT"]),
    st.binary(max_size=8) | st.sampled_from([b"\x01\x80", b"\x01\x02\x03\x04\xff\xff"]),
    whole=st.booleans(),
)
#: A header, chunks of every kind (some failing their checksum, some a colour wider than the
#: header's depth), an end chunk, and at times a cut anywhere.
_PNGS = st.builds(
    lambda header, parts, end: (
        SIGNATURE + _chunk(b"IHDR", header) + b"".join(parts) + _chunk(b"IEND", b"")
    )[:end],
    _HEADERS,
    st.lists(_CHUNKS, max_size=8),
    st.none() | st.integers(0, 200),
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(data=_PNGS | st.binary(max_size=300).map(lambda rest: SIGNATURE + rest))
def test_the_png_mend_never_raises_and_leaves_nothing_to_mend(data: bytes) -> None:
    """Whatever follows the signature, the mend answers with bytes, and what it answers needs
    no further mending: one pass leaves no checksum to drop and no colour to mask."""
    once = mended(data)
    assert isinstance(once, bytes)
    assert mended(once) is once


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_cut_of_a_corpus_file_is_left_as_it_is(case: Case) -> None:
    """Each prefix of each corpus file: the mend returns it untouched, without raising, so a file
    that breaks off is refused by the structure check, never mended into a whole one. (An
    AVIF's items are relabelled in place, where its box of items is whole: its data stays cut.)"""
    data = case.make()
    for end in range(0, len(data), max(1, len(data) // 40)):
        cut = data[:end]
        got = mended(cut)
        assert got is cut or (cut[4:8] == b"ftyp" and len(got) == len(cut))


def test_a_png_with_nothing_to_mend_is_returned_itself() -> None:
    """Every checksum right and no colour to mask: the very same bytes come back."""
    data = images.png()
    assert mended(data) is data


def test_only_ancillary_chunks_that_fail_their_checksum_are_dropped() -> None:
    """A text chunk whose checksum fails goes; a whole one stays, and image data whose checksum
    fails stays too (a critical chunk's fault), for the structure check to refuse."""
    parts = dict(chunks(images.png()))
    head = SIGNATURE + _chunk(b"IHDR", parts[b"IHDR"]) + _chunk(b"tEXt", b"Comment\x00kept")
    tail = _chunk(b"IDAT", parts[b"IDAT"], whole=False) + _chunk(b"IEND", b"")
    dropped = _chunk(b"tEXt", b"Comment\x00dropped", whole=False)
    assert mended(head + dropped + tail) == head + tail
    assert damage(head + tail) == "the checksum does not match in chunk 'IDAT'"


@pytest.mark.parametrize(
    ("depth", "colour", "trns"),
    [(1, 0, b"\x00\xff"), (4, 0, b"\xff\xf7"), (8, 0, b"\x01\x80"), (8, 2, b"\x01\x0a" * 3)],
    ids=["1-bit grey", "4-bit grey", "8-bit grey", "8-bit RGB"],
)
def test_the_structure_check_takes_a_transparent_colour_wider_than_the_bit_depth(
    depth: int, colour: int, trns: bytes
) -> None:
    """Decoders mask such a colour to the bit depth (PNG 3rd edition, 11.3.2.1): it is no damage,
    before the mend masks it or after."""
    header = struct.pack(">IIBBBBB", 1, 1, depth, colour, 0, 0, 0)
    data = SIGNATURE + b"".join(
        _chunk(kind, body)
        for kind, body in [(b"IHDR", header), (b"tRNS", trns), (b"IDAT", b""), (b"IEND", b"")]
    )
    assert damage(data) is None
    assert damage(mended(data)) is None


@pytest.mark.parametrize("kind", [b"acTL", b"fcTL", b"fdAT"], ids=bytes.decode)
def test_an_animation_chunk_failing_its_checksum_is_damage(kind: bytes) -> None:
    """APNG's chunks are ancillary by name but hold the animation: one that fails its checksum
    is kept, and refused for it, as image data is (dropped, it would show another picture)."""
    data = checksum_broken(apng(), kind)
    assert mended(data) is data
    assert damage(data) == f"the checksum does not match in chunk {kind.decode()!r}"
