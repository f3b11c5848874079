"""The OpenAPI document: what each operation answers, with examples of this app's own values.

The examples are built when the app is, from the service and the configuration it runs with, so a
limit an example states is the limit in force, and an example URL is one this app could answer.
What each operation reads (its request body, DELETE's ``type``) is in :mod:`openapi_requests`.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import attrs
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example, Operation

from imagecore import ImageSlots, Slot, StoredImage, UserImages
from imagecore.adapters.http.bodies import (
    DescribedBody,
    ErrorBody,
    ImagesBody,
    LimitsBody,
    MessageBody,
    UploadBody,
)
from imagecore.adapters.http.openapi_requests import (
    DeleteOperation,
    DescribeOperation,
    upload_operation,
)
from imagecore.adapters.web import edge_wording, guide_wording, wording
from imagecore.adapters.web.answers import Body, Urls
from imagecore.adapters.web.rates import RateRules
from imagecore.errors import (
    Busy,
    ConcurrentUpdate,
    RateLimited,
    SlotEmpty,
    StorageError,
    UnknownSlot,
)
from imagecore.rejections import InvalidImage
from imagecore.rules import image_key

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
    slots: ImageSlots, urls: Urls, rate_rules: RateRules | None, limits: Body
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
    example_shown = urls.images(slots.shown(example_user))
    example_details = urls.details(slots.shown(example_user))
    unauthorized = (401, "Missing, invalid or expired bearer token", edge_wording.TOKEN_EXPIRED)
    server = (500, "Server error", edge_wording.INTERNAL_ERROR)
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
    too_large = edge_wording.upload_too_large(slots.limits.max_bytes)
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
                    "message": guide_wording.uploaded([Slot.PROFILE]),
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
                {"message": guide_wording.described([Slot.PROFILE]), "details": example_details},
            )
            | _errors(
                (
                    400,
                    "Not a JSON object of descriptions, or a description that cannot be stored",
                    edge_wording.unknown_description_field("avatar_alt"),
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
            responses=_ok(MessageBody, {"message": guide_wording.deleted(Slot.PROFILE)})
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
            responses=_ok(LimitsBody, limits) | _errors(unauthorized, server),
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
