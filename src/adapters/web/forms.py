"""Reading what a client sends: the upload form's image parts, in memory, as bytes; crops; and
the descriptions of a PATCH.

A framework's own form parsing suits an image upload badly: Litestar and Starlette decode a part
sent without a file name as text, and they and Django spool larger files to disk. Here the body
is pushed through a streaming multipart parser a chunk at a time, from an event loop or a
blocking stream alike: capped by the upload limit, each byte charged to the process's body
budget as it arrives, and what a part is decided by the codec from its content, not by its file
name. (Spooling to disk would only move the bytes: every file goes to the decoder whole, as
bytes, moments later.) A binding that has parsed the parts already passes them to
:class:`UploadParts`, which holds the rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Sequence

import attrs
from multipart import (
    MultipartSegment,
    ParserError,
    ParserLimitReached,
    PushMultipartParser,
    parse_options_header,
)

from imagecore import Crop, Slot
from imagecore.adapters.web import edge_wording, guide_wording, wording
from imagecore.adapters.web.body_budget import BodyAccount
from imagecore.adapters.web.errors import BodyTooLarge, FormError
from imagecore.errors import InvalidCrop, InvalidDescription, InvalidFocus, UnknownSlot
from imagecore.focus import parse_focus
from imagecore.model import Focus
from imagecore.rules import MAX_DESCRIPTION

#: More parts than this is not an image upload.
MAX_PARTS = 16
#: The most bytes a description part may have: MAX_DESCRIPTION characters of four bytes each,
#: with room for the spaces trimmed around them.
MAX_DESCRIPTION_BYTES = 4 * MAX_DESCRIPTION + 1024
#: The most bytes a crop part may have: four numbers of up to ten digits, with room for spaces.
MAX_CROP_BYTES = 64
#: Four whole numbers; a minus sign is read so that the answer can say "negative".
_CROP = re.compile(rb" *(-?\d{1,10}) *, *(-?\d{1,10}) *, *(-?\d{1,10}) *, *(-?\d{1,10}) *")
#: The most bytes a PATCH of descriptions may have: both, escaped.
MAX_DESCRIPTIONS_BODY = 32 * 1024
#: How much of a blocking stream is read at once.
CHUNK = 64 * 1024


@attrs.frozen
class UploadForm:
    """What an upload form carries: each slot's file, and the descriptions sent with them."""

    files: dict[Slot, bytes]
    descriptions: dict[Slot, str]
    crops: dict[Slot, Crop] = attrs.field(factory=dict)
    focuses: dict[Slot, Focus] = attrs.field(factory=dict)


#: The text parts an upload form may carry, by name: the most bytes each may have, and what
#: is said of more.
_TEXT_PARTS: dict[str, tuple[int, str]] = {
    **{
        guide_wording.description_field(slot): (
            MAX_DESCRIPTION_BYTES,
            wording.sentence(InvalidDescription(slot, "too long", MAX_DESCRIPTION)),
        )
        for slot in Slot
    },
    **{
        guide_wording.crop_field(slot): (
            MAX_CROP_BYTES,
            wording.sentence(InvalidCrop(slot, "malformed")),
        )
        for slot in Slot
    },
    **{
        guide_wording.focus_field(slot): (
            MAX_CROP_BYTES,
            wording.sentence(InvalidFocus(slot, "not two numbers")),
        )
        for slot in Slot
    },
}


@attrs.define
class UploadParts:
    """The rules of the upload form, over its parts as they come: each slot's file, its
    description and its crop. Other parts are ignored, and so is an empty file input; a
    description without its slot's file is refused (PATCH changes descriptions)."""

    _parts: dict[Slot | str, bytes] = attrs.field(factory=dict, init=False)

    def add(self, name: str, filename: str | None, content: bytes) -> None:
        """One part: its field name, its file name (None for a plain field), its bytes."""
        text = _TEXT_PARTS.get(name)
        if text is not None:
            most, too_long = text
            if name in self._parts:
                raise FormError(edge_wording.repeated_part(name))
            if len(content) > most:
                raise FormError(too_long)
            self._parts[name] = content
            return
        slot = next((slot for slot in Slot if slot.value == name), None)
        if slot is None:
            return
        if filename == "" and not content:
            return  # what a browser sends for a file input left empty
        if slot in self._parts:
            raise FormError(edge_wording.repeated_field(slot))
        self._parts[slot] = content

    def form(self) -> UploadForm:
        parts = self._parts
        files = {slot: data for slot, data in parts.items() if isinstance(slot, Slot)}
        descriptions: dict[Slot, str] = {}
        for slot in Slot:
            raw = parts.get(guide_wording.description_field(slot))
            if raw is None:
                continue
            if slot not in files:
                if not raw.strip():
                    continue  # a form's text field left blank beside a file input left empty
                raise FormError(edge_wording.description_without_image(slot))
            try:
                descriptions[slot] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise FormError(edge_wording.description_not_utf8(slot)) from None
        crops: dict[Slot, Crop] = {}
        for slot in Slot:
            raw = parts.get(guide_wording.crop_field(slot))
            if raw is not None and raw.strip():
                crops[slot] = parse_crop(slot, raw)
        focuses: dict[Slot, Focus] = {}
        for slot in Slot:
            raw = parts.get(guide_wording.focus_field(slot))
            if raw is not None and raw.strip():
                focuses[slot] = parse_focus(slot, raw.decode("utf-8", errors="replace"))
        return UploadForm(files, descriptions, crops, focuses)


def parse_crop(slot: Slot, raw: bytes) -> Crop:
    """``x,y,width,height`` in whole pixels; the core judges whether it can frame a picture."""
    match = _CROP.fullmatch(raw.strip())
    if match is None:
        raise FormError(wording.sentence(InvalidCrop(slot, "malformed")))
    return Crop(*(int(n) for n in match.groups()))


class FormReader:
    """A ``multipart/form-data`` body, pushed in chunk by chunk, read into an UploadForm; each
    byte is held in ``account`` before it is kept, and a body past ``most`` bytes refused."""

    def __init__(self, content_type: str, account: BodyAccount, most: int | None = None) -> None:
        media_type, options = parse_options_header(content_type)
        boundary = options.get("boundary")
        if media_type != "multipart/form-data" or not boundary:
            raise FormError(edge_wording.NOT_A_FORM)
        self._account = account
        self._most = most
        self._parser = PushMultipartParser(boundary, max_segment_count=MAX_PARTS)
        self._parts = UploadParts()
        self._segment: MultipartSegment | None = None
        self._content = bytearray()
        self._received = 0

    @property
    def done(self) -> bool:
        """Whether the form has ended: no more of the body is wanted."""
        return bool(self._parser.closed)

    def feed(self, chunk: bytes) -> None:
        """The next chunk of the body; ``b""`` at its end."""
        self._received += len(chunk)
        if self._most is not None and self._received > self._most:
            raise BodyTooLarge(self._most)
        self._account.need(self._received)
        try:
            for event in self._parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    self._segment, self._content = event, bytearray()
                elif event is not None:
                    self._content += event
                elif self._segment is not None:
                    segment = self._segment
                    self._parts.add(segment.name, segment.filename, bytes(self._content))
        except ParserLimitReached as error:
            if "segment count" in str(error):
                raise FormError(edge_wording.too_many_parts(MAX_PARTS)) from None
            raise FormError(edge_wording.form_over_limit(error)) from None
        except ParserError as error:
            raise FormError(edge_wording.malformed_form(error)) from None

    def form(self) -> UploadForm:
        """The form, once the body has ended (``done``)."""
        try:
            self._parser.close()
        except ParserError as error:
            raise FormError(edge_wording.malformed_form(error)) from None
        return self._parts.form()


async def read_upload(
    content_type: str,
    chunks: AsyncIterator[bytes],
    account: BodyAccount,
    most: int | None = None,
) -> UploadForm:
    """The upload form of a body arriving as ``chunks`` (an ASGI request's stream), which raise
    ClientGone if the client leaves part-way; a body past ``most`` bytes is refused."""
    reader = FormReader(content_type, account, most)
    while not reader.done:
        reader.feed(await anext(chunks, b""))
    return reader.form()


def read_upload_blocking(
    content_type: str,
    read: Callable[[int], bytes],
    account: BodyAccount,
    most: int | None = None,
) -> UploadForm:
    """The upload form of a body read from a blocking stream (a WSGI request's ``read``)."""
    reader = FormReader(content_type, account, most)
    while not reader.done:
        reader.feed(read(CHUNK))
    return reader.form()


@attrs.frozen
class Patch:
    """What a PATCH changes of the current images: descriptions, focal points, or both."""

    descriptions: dict[Slot, str] = attrs.field(factory=dict)
    focuses: dict[Slot, Focus] = attrs.field(factory=dict)


def descriptions_from_json(raw: bytes) -> dict[Slot, str]:
    """The descriptions a PATCH sends (see :func:`patch_from_json`), without focal points."""
    patch = patch_from_json(raw)
    if patch.focuses:
        name = guide_wording.focus_field(next(iter(patch.focuses)))
        raise FormError(edge_wording.unknown_description_field(name))
    return patch.descriptions


def patch_from_json(raw: bytes) -> Patch:
    """What a PATCH sends: a JSON object of ``<slot>_alt`` strings and ``<slot>_focus`` points
    (``"x,y"``), one or more. (A binding checks the body's size as it arrives: see
    MAX_DESCRIPTIONS_BODY.)"""
    try:
        # Strictly UTF-8, as JSON on the wire is (json.loads would guess UTF-16 from the bytes),
        # and no NaN or Infinity.
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        # An escaped lone surrogate ("\ud800") is no Unicode text: not JSON to read.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):  # nesting deep enough to exhaust the stack
        raise FormError(edge_wording.NOT_DESCRIPTIONS) from None
    if not isinstance(body, dict) or not body:
        raise FormError(edge_wording.NOT_DESCRIPTIONS)
    fields = {guide_wording.description_field(slot): slot for slot in Slot}
    focus_fields = {guide_wording.focus_field(slot): slot for slot in Slot}
    patch = Patch()
    for name, value in body.items():
        slot = fields.get(name)
        focused = focus_fields.get(name)
        if focused is not None:
            if not isinstance(value, str):
                raise InvalidFocus(focused, "not two numbers")
            patch.focuses[focused] = parse_focus(focused, value)
            continue
        if slot is None:
            raise FormError(edge_wording.unknown_description_field(name))
        if not isinstance(value, str):
            raise FormError(edge_wording.description_not_text(slot))
        patch.descriptions[slot] = value
    return patch


def _no_constant(name: str) -> None:
    raise ValueError(name)


def slot_to_delete(given: Sequence[str]) -> Slot:
    """The slot DELETE names in its ``type`` parameter, given once (``given`` holds each value
    the query string has for it)."""
    if len(given) > 1:
        raise UnknownSlot(", ".join(given))
    return Slot.parse(given[0] if given else None)


def descriptions_too_large() -> FormError:
    return FormError(edge_wording.descriptions_too_large(MAX_DESCRIPTIONS_BODY))
