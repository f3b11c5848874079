"""A stored image as a JSON document, as repositories keep it: written and read back whole,
older and newer documents read, and the example the module documents read as it says."""

from __future__ import annotations

import json
import re

import attrs
from hypothesis import given
from hypothesis import strategies as st

from imagecore import documents
from imagecore.documents import image_from_document, image_from_json, image_to_json
from imagecore.model import Fingerprint, Focus, Placeholder, StoredImage, Variant

IMAGE = StoredImage(
    "resume/images/profile_7_3f2a.jpg",
    "image/jpeg",
    800,
    600,
    48213,
    alt='Me, "smiling" — über 😀',
    placeholder=Placeholder("LEHV6nWB2yk8pyo0adR*.7kCMdnj", "#a06040"),
    variants=(Variant("resume/images/profile_7_3f2a_w48.webp", "image/webp", 48, 36, 900),),
    still=Variant("resume/images/profile_7_3f2a_still.webp", "image/webp", 800, 600, 9000),
    fingerprint=Fingerprint("ab" * 32, "d8f8f0cc" * 8, 100),
    focus=Focus(0.375, 0.2, suggested=True),
)


@given(alt=st.text(max_size=50), size=st.integers(min_value=0, max_value=2**40))
def test_an_image_reads_back_from_its_document_as_it_was(alt: str, size: int) -> None:
    image = attrs.evolve(IMAGE, alt=alt, size=size)
    text = image_to_json(image)
    assert text is not None
    assert image_from_json(text) == image
    assert image_from_json(json.loads(text)) == image  # as a driver that decodes JSON gives it


def test_an_empty_slot_is_no_document() -> None:
    assert image_to_json(None) is None
    assert image_from_json(None) is None


def test_the_documented_example_reads_as_an_image() -> None:
    example = re.search(r"::\n\n(.*?)\n\n", documents.__doc__ or "", re.DOTALL)
    assert example is not None
    image = image_from_document(json.loads(example.group(1).replace("...", "")))
    assert image.key == "resume/images/profile_7_3f2a.jpg" and image.alt == "Me"
    assert image.placeholder is not None and image.placeholder.color == "#a06040"
    assert [variant.width for variant in image.variants] == [48] and image.still is None


def test_an_image_stored_before_descriptions_existed_reads_back_without_one() -> None:
    """Documents written before images had a description hold no "alt": they read back with ""."""
    old = (
        '{"key":"resume/images/profile_1_a.jpg","media_type":"image/jpeg",'
        '"width":8,"height":6,"size":9}'
    )
    image = image_from_json(old)
    assert image is not None and image.alt == ""
    assert image.key == "resume/images/profile_1_a.jpg"


def test_keys_a_later_release_adds_are_left_alone() -> None:
    """Going back a release must not make documents written by the newer one unreadable."""
    newer = (
        '{"key":"resume/images/profile_1_a.jpg","media_type":"image/jpeg","width":8,'
        '"height":6,"size":9,"alt":"Me","colour_profile":"sRGB"}'
    )
    image = image_from_json(newer)
    assert image is not None and (image.key, image.alt) == ("resume/images/profile_1_a.jpg", "Me")


def test_a_document_from_before_fingerprints_reads_with_none() -> None:
    """Images stored before fingerprints were taken read back with none, the rest unchanged."""
    document = json.loads(image_to_json(IMAGE) or "")
    del document["fingerprint"]
    assert image_from_document(document) == attrs.evolve(IMAGE, fingerprint=None)


def test_a_fingerprint_s_crops_read_back_as_they_were() -> None:
    """The PDQ hashes of a fingerprint's crops are written as a list and read back as the tuple
    they were, from the text and from a document a driver decoded."""
    assert IMAGE.fingerprint is not None
    crops = ("0f" * 32, "f0" * 32, "5a" * 32)
    image = attrs.evolve(IMAGE, fingerprint=attrs.evolve(IMAGE.fingerprint, crops=crops))
    text = image_to_json(image) or ""
    assert json.loads(text)["fingerprint"]["crops"] == list(crops)
    assert image_from_json(text) == image
    read = image_from_json(json.loads(text))
    assert read == image and read.fingerprint is not None and read.fingerprint.crops == crops


def test_a_fingerprint_from_before_crops_reads_with_none() -> None:
    """Fingerprints taken before crops were hashed read back with no crops, the rest unchanged."""
    document = json.loads(image_to_json(IMAGE) or "")
    del document["fingerprint"]["crops"]
    image = image_from_document(document)
    assert image == IMAGE and image.fingerprint is not None and image.fingerprint.crops == ()


def test_a_document_from_before_focal_points_reads_with_none() -> None:
    document = json.loads(image_to_json(IMAGE) or "")
    del document["focus"]
    assert image_from_document(document) == attrs.evolve(IMAGE, focus=None)
