"""The OpenAPI document: what each operation answers, with examples of this app's own values.

The examples are built when the app is, from the service and the configuration it runs with, so a
limit an example states is the limit in force, and an example URL is one this app could answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import attrs
import msgspec
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example, Operation, Reference, RequestBody, Schema
from litestar.openapi.spec import OpenAPIMediaType as MediaTypeSpec
from litestar.openapi.spec import Parameter as OpenAPIParameter
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType

from imagecore import ImageSlots, Slot, StoredImage, UserImages
from imagecore.adapters.http import wording
from imagecore.adapters.http.bodies import (
    DescribedBody,
    ErrorBody,
    ImagesBody,
    LimitsBody,
    MediaUrls,
    MessageBody,
    UploadBody,
)
from imagecore.adapters.http.forms import MAX_CROP_BYTES
from imagecore.adapters.http.limits import RateRules
from imagecore.errors import (
    Busy,
    ConcurrentUpdate,
    InvalidImage,
    RateLimited,
    SlotEmpty,
    StorageError,
    UnknownSlot,
)
from imagecore.rules import HIDDEN, MAX_DESCRIPTION, MAX_MARKS_IN_A_ROW, image_key

#: The user and the unique part of the stored names in the examples.
EXAMPLE_USER = "123"
EXAMPLE_UNIQUE = {Slot.PROFILE: "5f0c2a9d1b7e4c36", Slot.COVER: "81d04e6b2f9a7c15"}


class OperationDoc(TypedDict):
    """The documentation arguments of one route handler."""

    summary: str
    description: str
    responses: dict[int, ResponseSpec]
    operation_class: NotRequired[type[Operation]]


@attrs.frozen
class Operations:
    """The documentation of each of the API's operations."""

    current: OperationDoc
    upload: OperationDoc
    describe: OperationDoc
    delete: OperationDoc
    limits: OperationDoc


def operations(
    slots: ImageSlots, urls: MediaUrls, rate_rules: RateRules | None, limits: LimitsBody
) -> Operations:
    """The API's operations, documented with the values of this service and configuration."""
    example_keys = {
        slot: image_key(policy, EXAMPLE_USER, EXAMPLE_UNIQUE[slot], "jpg")
        for slot, policy in slots.policies.items()
    }
    example_urls = {slot: urls.stored(key) for slot, key in example_keys.items()}
    # GET's example: a user with an upload in each slot that has no default, so that a slot with
    # one shows it, at the URL the app gives defaults.
    example_user = UserImages()
    for slot, policy in slots.policies.items():
        if policy.fallback is None:
            upload = StoredImage(example_keys[slot], "image/jpeg", 1600, 900, 123456)
            example_user = example_user.with_image(slot, upload)
    example_shown = msgspec.to_builtins(urls.images(slots.shown(example_user)))
    example_details = msgspec.to_builtins(urls.details(slots.shown(example_user)))
    unauthorized = (401, "Missing, invalid or expired bearer token", wording.TOKEN_EXPIRED)
    server = (500, "Server error", wording.INTERNAL_ERROR)
    conflict = (
        409,
        "Another request changed the images at the same time",
        wording.sentence(ConcurrentUpdate()),
    )
    unavailable = (
        503,
        "Storage or database unavailable",
        wording.sentence(StorageError("write", example_keys[Slot.PROFILE])),
    )
    busy = (
        503,
        "Every decode slot stayed busy (see Retry-After), or storage or database unavailable",
        wording.sentence(Busy(5)),
    )
    not_an_image = wording.sentence(InvalidImage("not an image", slots.codec.formats))
    too_large = wording.upload_too_large(slots.limits.max_bytes)
    return Operations(
        current=OperationDoc(
            summary="Get the user's current images",
            description="The profile image (the default one when none was uploaded) and the "
            "cover image (null when none was uploaded).",
            responses=_ok(ImagesBody, {"images": example_shown, "details": example_details})
            | _errors(unauthorized, server, unavailable),
        ),
        upload=OperationDoc(
            summary="Upload a profile image, a cover image, or both",
            description="Each uploaded image replaces the one in its slot. With both fields, "
            "both are replaced or neither is.",
            responses=_ok(
                UploadBody,
                {
                    "message": wording.uploaded([Slot.PROFILE]),
                    "details": example_details,
                    Slot.PROFILE.value: example_urls[Slot.PROFILE],
                },
            )
            | _errors(
                (
                    400,
                    "Not an image, a refused image type, no image field, or an image over a "
                    "limit or over the decode budget",
                    not_an_image,
                ),
                unauthorized,
                *_too_many("upload", rate_rules),
                conflict,
                (413, "The request body is over the upload limit", too_large),
                server,
                busy,
            ),
            operation_class=upload_operation(slots.codec.formats),
        ),
        describe=OperationDoc(
            summary="Change the descriptions of the uploaded images",
            description="Sets the alt text of the profile image, the cover image, or both, "
            "without a new upload. (Not part of the API guide.)",
            responses=_ok(
                DescribedBody,
                {"message": wording.described([Slot.PROFILE]), "details": example_details},
            )
            | _errors(
                (
                    400,
                    "Not a JSON object of descriptions, or a description that cannot be stored",
                    wording.unknown_description_field("avatar_alt"),
                ),
                unauthorized,
                *_too_many("describe", rate_rules),
                (
                    404,
                    "The slot holds no uploaded image",
                    wording.sentence(SlotEmpty(Slot.COVER, "describe")),
                ),
                conflict,
                server,
                unavailable,
            ),
            operation_class=DescribeOperation,
        ),
        delete=OperationDoc(
            summary="Delete the profile image or the cover image",
            description="Removes the image from its slot and its file from storage.",
            responses=_ok(MessageBody, {"message": wording.deleted(Slot.PROFILE)})
            | _errors(
                (
                    400,
                    "The type parameter is missing or unknown",
                    wording.sentence(UnknownSlot("avatar")),
                ),
                unauthorized,
                *_too_many("delete", rate_rules),
                (404, "The slot holds no image", wording.sentence(SlotEmpty(Slot.PROFILE))),
                conflict,
                server,
                unavailable,
            ),
            operation_class=DeleteOperation,
        ),
        limits=OperationDoc(
            summary="The limits in force",
            description="Byte and pixel limits, accepted formats, each slot's box and the rate "
            "limits, so that a client can check a file before it sends it. (Not part of the "
            "API guide.)",
            responses=_ok(LimitsBody, msgspec.to_builtins(limits)) | _errors(unauthorized, server),
        ),
    )


def _too_many(action: str, rate_rules: RateRules | None) -> list[tuple[int, str, str]]:
    """The 429 answer of ``action``, stating its limit; none when no limit applies."""
    if rate_rules is None:
        return []
    limit = rate_rules.per_user.get(action) or rate_rules.per_address.get(action)
    if limit is None:
        return []
    # As if a third of the window were left.
    refused = RateLimited(action, limit.count, limit.seconds, max(1, limit.seconds // 3))
    description = "Over a rate limit; Retry-After says when to try again"
    return [(429, description, wording.sentence(refused))]


def _ok(container: Any, example: Any) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            data_container=container,
            description="Request fulfilled",
            examples=[Example(value=example)],
            generate_examples=False,
        )
    }


def _errors(*statuses: tuple[int, str, str]) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=ErrorBody,
            description=description,
            examples=[Example(value={"error": example})],
            generate_examples=False,
        )
        for status, description, example in statuses
    }


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
                                        description=wording.new_image(slot),
                                    )
                                    for slot in Slot
                                },
                                **description_properties(),
                                **crop_properties(),
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
        wording.description_field(slot): Schema(
            type=OpenAPIType.STRING,
            max_length=MAX_DESCRIPTION,
            pattern=DESCRIPTION_PATTERN,
            description=f"What the {wording.LABELS[slot].lower()} shows, for people who cannot "
            "see it: trimmed, one line, no control characters, no characters that reorder or "
            f"hide text, at most {MAX_MARKS_IN_A_ROW} combining marks in a row.",
        )
        for slot in Slot
    }


def crop_properties() -> dict[str, Schema | Reference]:
    """The ``<slot>_crop`` fields of an upload form."""
    return {
        wording.crop_field(slot): Schema(
            type=OpenAPIType.STRING,
            pattern="^ *[0-9]{1,10} *, *[0-9]{1,10} *, *[0-9]{1,10} *, *[0-9]{1,10} *$",
            max_length=MAX_CROP_BYTES,
            examples=["120,40,900,900"],
            description=f"The part of the picture to make the {wording.LABELS[slot].lower()} "
            "of, as x,y,width,height in whole pixels of the picture as it is shown (its "
            "orientation applied), from its top left corner. The box fits it (fit mode) or "
            "crops its centre to the box's shape (fill mode). Without it, the whole picture.",
        )
        for slot in Slot
    }


@dataclass
class DescribeOperation(Operation):
    """PATCH's operation: a JSON object of one or both descriptions."""

    def __post_init__(self) -> None:
        example = {wording.description_field(Slot.PROFILE): "Me, smiling, in front of a lake"}
        self.request_body = RequestBody(
            required=True,
            description="The new descriptions; a slot left out keeps its own.",
            content={
                "application/json": MediaTypeSpec(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        min_properties=1,
                        additional_properties=False,
                        properties=description_properties(),
                    ),
                    examples={"profile": Example(value=example)},
                )
            },
        )
