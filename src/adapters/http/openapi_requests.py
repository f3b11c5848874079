"""What each operation reads, for the OpenAPI document: the upload form, the descriptions body
and DELETE's ``type``, which the handlers read themselves and so Litestar cannot see.

Each field's schema states the rules the adapter and the core apply, with their limits, so a
client can check what it sends against the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from litestar.openapi.spec import Example, Operation, Reference, RequestBody, Schema
from litestar.openapi.spec import OpenAPIMediaType as MediaTypeSpec
from litestar.openapi.spec import Parameter as OpenAPIParameter
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType

from imagecore import Slot
from imagecore.adapters.web.forms import MAX_CROP_BYTES
from imagecore.adapters.web.guide_wording import (
    LABELS,
    crop_field,
    description_field,
    focus_field,
    new_image,
)
from imagecore.rules import HIDDEN, MAX_DESCRIPTION, MAX_MARKS_IN_A_ROW


@dataclass
class DeleteOperation(Operation):
    """DELETE's operation: ``type`` is required. The handler reads it as optional only so that
    a missing one gets the same message as an unknown one."""

    def __post_init__(self) -> None:
        for parameter in self.parameters or []:
            if isinstance(parameter, OpenAPIParameter) and parameter.name == "type":
                parameter.required = True
                parameter.schema = Schema(
                    type=OpenAPIType.STRING, enum=[slot.value for slot in Slot]
                )


def upload_operation(formats: Sequence[str]) -> type[Operation]:
    """The upload's operation class, with the form the handler reads itself."""
    accepted = (
        ", ".join(formats[:-1]) + " or " + formats[-1] if len(formats) > 1 else "".join(formats)
    )

    @dataclass
    class UploadOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True,
                description=f"One or both images. Each is judged by its content: {accepted}.",
                content={
                    "multipart/form-data": MediaTypeSpec(
                        schema=Schema(
                            type=OpenAPIType.OBJECT,
                            min_properties=1,
                            properties={
                                **{
                                    slot.value: Schema(
                                        type=OpenAPIType.STRING,
                                        format=OpenAPIFormat.BINARY,
                                        description=new_image(slot),
                                    )
                                    for slot in Slot
                                },
                                **description_properties(),
                                **crop_properties(),
                                **focus_properties(),
                            },
                        )
                    )
                },
            )

    return UploadOperation


#: What a description may hold: no control characters, no line or paragraph separators, none
#: of the hidden characters the core refuses (a lone surrogate cannot be written in UTF-8 JSON
#: at all; runs of combining marks the pattern leaves to the description's words).
DESCRIPTION_PATTERN = (
    "^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029"
    + "".join(c if c == "-" else f"\\u{ord(c):04x}" for c in HIDDEN.pattern.strip("[]"))
    + "]*$"
)


def description_properties() -> dict[str, Schema | Reference]:
    """The ``<slot>_alt`` fields, in an upload form and in a PATCH body alike."""
    return {
        description_field(slot): Schema(
            type=OpenAPIType.STRING,
            max_length=MAX_DESCRIPTION,
            pattern=DESCRIPTION_PATTERN,
            description=f"What the {LABELS[slot].lower()} shows, for people who cannot "
            "see it: trimmed, one line, no control characters, no characters that reorder or "
            f"hide text, at most {MAX_MARKS_IN_A_ROW} combining marks in a row.",
        )
        for slot in Slot
    }


def crop_properties() -> dict[str, Schema | Reference]:
    """The ``<slot>_crop`` fields of an upload form."""
    return {
        crop_field(slot): Schema(
            type=OpenAPIType.STRING,
            pattern="^ *[0-9]{1,10} *, *[0-9]{1,10} *, *[0-9]{1,10} *, *[0-9]{1,10} *$",
            max_length=MAX_CROP_BYTES,
            examples=["120,40,900,900"],
            description=f"The part of the picture to make the {LABELS[slot].lower()} "
            "of, as x,y,width,height in whole pixels of the picture as it is shown (its "
            "orientation applied), from its top left corner. The box fits it (fit mode) or "
            "crops its centre to the box's shape (fill mode). Without it, the whole picture.",
        )
        for slot in Slot
    }


def focus_properties() -> dict[str, Schema | Reference]:
    """The ``<slot>_focus`` fields of an upload form."""
    return {
        focus_field(slot): Schema(
            type=OpenAPIType.STRING,
            max_length=MAX_CROP_BYTES,
            examples=["0.5,0.3"],
            description=f"The point of the {LABELS[slot].lower()} to keep in view wherever it "
            "is shown cropped, as x,y: fractions of the picture's width and height (as it is "
            "shown, its orientation applied) from its top left corner, each 0 to 1. Fill mode "
            "crops around it; details give it back as focus and object_position. Without it, "
            "a point the server suggests (marked suggested).",
        )
        for slot in Slot
    }


@dataclass
class DescribeOperation(Operation):
    """PATCH's operation: a JSON object of one or both descriptions."""

    def __post_init__(self) -> None:
        example = {description_field(Slot.PROFILE): "Me, smiling, in front of a lake"}
        self.request_body = RequestBody(
            required=True,
            description="The new descriptions; a slot left out keeps its own.",
            content={
                "application/json": MediaTypeSpec(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        min_properties=1,
                        additional_properties=False,
                        properties={**description_properties(), **focus_properties()},
                    ),
                    examples={"profile": Example(value=example)},
                )
            },
        )
