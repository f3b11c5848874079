"""The upload form's rules and the multipart reader, with no web framework: the same parts
from an event loop's stream, a blocking stream, or a binding that parsed them itself."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest

from imagecore import Crop, Slot
from imagecore.adapters.web.body_budget import BodyBudget
from imagecore.adapters.web.errors import FormError
from imagecore.adapters.web.forms import (
    MAX_PARTS,
    UploadForm,
    UploadParts,
    descriptions_from_json,
    read_upload,
    read_upload_blocking,
    slot_to_delete,
)
from imagecore.errors import Busy, UnknownSlot
from tests.loops import run_alone

BOUNDARY = "xYzZy"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def body(*parts: tuple[str, str | None, bytes]) -> bytes:
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        out += content + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


PARTS = (
    ("profile_image", "me.heic", b"\x00image bytes\r\n--not a boundary"),
    ("profile_image_alt", None, "Ada at her desk ✓".encode()),
    ("profile_image_crop", None, b" 10, 20 ,300,300 "),
    ("unrelated", None, b"ignored"),
    ("cover_image", "", b""),  # a file input left empty
)
EXPECTED = UploadForm(
    files={Slot.PROFILE: b"\x00image bytes\r\n--not a boundary"},
    descriptions={Slot.PROFILE: "Ada at her desk ✓"},
    crops={Slot.PROFILE: Crop(10, 20, 300, 300)},
)


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_the_form_is_the_same_read_from_an_async_or_a_blocking_stream(chunk: int) -> None:
    data = body(*PARTS)
    budget = BodyBudget()
    with budget.account("a") as account:
        read = run_alone(read_upload(CONTENT_TYPE, _chunks(data, chunk), account))
        assert account.charged == len(data)
    stream = io.BytesIO(data)
    with budget.account("a") as account:
        blocking = read_upload_blocking(CONTENT_TYPE, lambda _: stream.read(chunk), account)
    parts = UploadParts()
    for name, filename, content in PARTS:
        parts.add(name, filename, content)
    assert read == blocking == parts.form() == EXPECTED
    assert budget.held == 0


def test_every_byte_is_charged_before_it_is_kept() -> None:
    """A body over the budget is refused Busy part-way, its bytes given back."""
    budget = BodyBudget(total=1024, per_address=1024)
    data = body(("cover_image", "c.png", b"x" * 4096))
    stream = io.BytesIO(data)
    with pytest.raises(Busy), budget.account("a") as account:
        read_upload_blocking(CONTENT_TYPE, stream.read, account)
    assert budget.held == 0


@pytest.mark.parametrize(
    ("content_type", "data", "says"),
    [
        ("application/json", b"{}", "multipart/form-data"),
        (
            CONTENT_TYPE,
            body(("profile_image", "a", b"1"), ("profile_image", "b", b"2")),
            "not several",
        ),
        (CONTENT_TYPE, body(("cover_image_alt", None, b"a cover")), "cover_image"),
        (CONTENT_TYPE, body(("x", None, b"")) * 1, None),
        (CONTENT_TYPE, body(*[("x", None, b"")] * (MAX_PARTS + 1)), str(MAX_PARTS)),
        (CONTENT_TYPE, body(("cover_image", "c", b"1"))[:-8], "multipart"),
        (
            CONTENT_TYPE,
            body(("cover_image", "c", b"1"), ("cover_image_crop", None, b"1,2")),
            "crop",
        ),
    ],
    ids=["not a form", "a field twice", "alt alone", "nothing", "too many", "cut", "bad crop"],
)
def test_a_form_the_rules_refuse_is_a_form_error_saying_why(
    content_type: str, data: bytes, says: str | None
) -> None:
    stream = io.BytesIO(data)
    with BodyBudget().account("a") as account:
        if says is None:  # a well-formed form with no image: the core says what is missing
            assert read_upload_blocking(content_type, stream.read, account).files == {}
            return
        with pytest.raises(FormError) as refused:
            read_upload_blocking(content_type, stream.read, account)
    assert says in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"cover_image_alt": "a hill"}', {Slot.COVER: "a hill"}),
        (
            '{"profile_image_alt": "ü", "cover_image_alt": ""}'.encode(),
            {Slot.PROFILE: "ü", Slot.COVER: ""},
        ),
        (b"[]", None),
        (b'{"avatar_alt": "x"}', "avatar_alt"),
        (b'{"cover_image_alt": 3}', "cover_image_alt"),
        (b'{"cover_image_alt": NaN}', None),
        (b'{"cover_image_alt": "\\ud800"}', None),
        ('{"cover_image_alt": "x"}'.encode("utf-16"), None),
    ],
)
def test_a_patch_body_is_read_as_strict_json(raw: bytes, expected: object) -> None:
    if isinstance(expected, dict):
        assert descriptions_from_json(raw) == expected
        return
    with pytest.raises(FormError) as refused:
        descriptions_from_json(raw)
    assert (expected or "must be a JSON object") in str(refused.value)


def test_delete_names_exactly_one_slot() -> None:
    assert slot_to_delete(["cover_image"]) is Slot.COVER
    for given in ([], ["avatar"], ["cover_image", "cover_image"]):
        with pytest.raises(UnknownSlot):
            slot_to_delete(given)
