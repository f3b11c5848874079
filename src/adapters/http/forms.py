"""Reading the upload form: the image parts of a multipart body, in memory, as bytes.

Litestar's own form parsing decodes a part sent without a file name as text, and spools each file
over 1 MB to a temporary file on disk. Neither suits an image upload: the body is capped by the
upload limit, each of its bytes is charged to the process's body budget as it arrives, and the
codec decides what a part is by its content, not by its file name. (Spooling to disk would only
move the bytes: every file goes to the decoder whole, as bytes, moments later.)
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import attrs
import msgspec
from litestar import Request
from litestar.exceptions import ClientException, InternalServerException
from multipart import (
    MultipartSegment,
    ParserError,
    ParserLimitReached,
    PushMultipartParser,
    parse_options_header,
)

from imagecore import Crop, Slot
from imagecore.adapters.http.body_budget import BodyAccount
from imagecore.adapters.web import edge_wording, guide_wording, wording
from imagecore.errors import InvalidCrop, InvalidDescription
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


class FormError(ClientException):
    """The body is not a form we can read; the detail says why, in a sentence."""


class ClientGone(ClientException):
    """The client closed the connection before its body was complete: its fault, not ours."""

    status_code = 499  # as nginx logs it; nobody is left to read the answer


@attrs.frozen
class UploadForm:
    """What an upload form carries: each slot's file, and the descriptions sent with them."""

    files: dict[Slot, bytes]
    descriptions: dict[Slot, str]
    crops: dict[Slot, Crop] = attrs.field(factory=dict)


async def read_image_form(request: Request[Any, Any, Any], account: BodyAccount) -> UploadForm:
    """Each slot's file and description, every byte held in ``account`` before it is kept.
    Other parts are ignored, and so is an empty file input; a description without its slot's
    file is refused (PATCH changes descriptions)."""
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get("boundary")
    if media_type != "multipart/form-data" or not boundary:
        raise FormError(edge_wording.NOT_A_FORM)
    parts: dict[Slot | str, bytes] = {}
    segment: MultipartSegment | None = None
    content = bytearray()
    received = 0
    try:
        with PushMultipartParser(boundary, max_segment_count=MAX_PARTS) as parser:
            stream = request.stream()
            while not parser.closed:
                chunk = await _next_chunk(stream)
                received += len(chunk)
                account.need(received)
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        segment, content = event, bytearray()
                    elif event is not None:
                        content += event
                    elif segment is not None:
                        _keep(parts, segment, bytes(content))
    except ParserLimitReached as error:
        if "segment count" in str(error):
            raise FormError(edge_wording.too_many_parts(MAX_PARTS)) from None
        raise FormError(edge_wording.form_over_limit(error)) from None
    except ParserError as error:
        raise FormError(edge_wording.malformed_form(error)) from None
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
    return UploadForm(files, descriptions, crops)


def parse_crop(slot: Slot, raw: bytes) -> Crop:
    """``x,y,width,height`` in whole pixels; the core judges whether it can frame a picture."""
    match = _CROP.fullmatch(raw.strip())
    if match is None:
        raise FormError(wording.sentence(InvalidCrop(slot, "malformed")))
    return Crop(*(int(n) for n in match.groups()))


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
}


def _keep(parts: dict[Slot | str, bytes], segment: MultipartSegment, content: bytes) -> None:
    text = _TEXT_PARTS.get(segment.name)
    if text is not None:
        most, too_long = text
        if segment.name in parts:
            raise FormError(edge_wording.repeated_part(segment.name))
        if len(content) > most:
            raise FormError(too_long)
        parts[segment.name] = content
        return
    slot = next((slot for slot in Slot if slot.value == segment.name), None)
    if slot is None:
        return
    if segment.filename == "" and not content:
        return  # what a browser sends for a file input left empty
    if slot in parts:
        raise FormError(edge_wording.repeated_field(slot))
    parts[slot] = content


async def _next_chunk(stream: AsyncIterator[bytes]) -> bytes:
    """The next piece of the body; ``b""`` at its end."""
    try:
        return await anext(stream, b"")
    except InternalServerException:
        # The only one a request stream raises: the client disconnected mid-body.
        raise ClientGone(edge_wording.CLIENT_GONE) from None


async def read_descriptions(request: Request[Any, Any, Any]) -> dict[Slot, str]:
    """The descriptions a PATCH sends: a JSON object of ``<slot>_alt`` strings, one or both.

    Its size is checked as it arrives: a larger body is refused at its first byte too many."""
    raw = bytearray()
    stream = request.stream()
    while chunk := await _next_chunk(stream):
        raw += chunk
        if len(raw) > MAX_DESCRIPTIONS_BODY:
            raise FormError(edge_wording.descriptions_too_large(MAX_DESCRIPTIONS_BODY))
    try:
        body = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):  # nesting deep enough to exhaust the stack
        raise FormError(edge_wording.NOT_DESCRIPTIONS) from None
    if not isinstance(body, dict) or not body:
        raise FormError(edge_wording.NOT_DESCRIPTIONS)
    fields = {guide_wording.description_field(slot): slot for slot in Slot}
    descriptions: dict[Slot, str] = {}
    for name, value in body.items():
        slot = fields.get(name)
        if slot is None:
            raise FormError(edge_wording.unknown_description_field(name))
        if not isinstance(value, str):
            raise FormError(edge_wording.description_not_text(slot))
        descriptions[slot] = value
    return descriptions
