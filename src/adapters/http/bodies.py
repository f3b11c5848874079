"""The shapes of the JSON bodies the API answers, for its OpenAPI document.

The bodies themselves are built, as plain data, by the framework-free web layer
(:mod:`imagecore.adapters.web.answers`), which every binding sends alike; the tests check the two
agree."""

from __future__ import annotations

import msgspec


class ErrorBody(msgspec.Struct):
    """The shape of every error response."""

    error: str


class ImageUrls(msgspec.Struct):
    profile_image: str | None
    cover_image: str | None


class VariantBody(msgspec.Struct):
    url: str
    media_type: str
    width: int
    height: int


class PlaceholderBody(msgspec.Struct):
    blurhash: str
    #: The picture's average colour, ``#rrggbb``.
    color: str


class ImageDetails(msgspec.Struct):
    """What an app needs to show one slot's image: where, how large, what it shows."""

    #: The same string as in ``images``.
    url: str
    #: Whether it is the default image of an empty slot.
    default: bool
    media_type: str
    width: int
    height: int
    #: Its description, for people who cannot see it; "" when none was given.
    alt: str
    placeholder: PlaceholderBody | None
    #: Smaller versions, ascending by width.
    variants: list[VariantBody]
    #: The still of an animated image; null otherwise.
    static_url: str | None
    #: Every variant and the image itself by width, ready for ``<img srcset>``.
    srcset: str


class SlotDetails(msgspec.Struct):
    profile_image: ImageDetails | None
    cover_image: ImageDetails | None


class ImagesBody(msgspec.Struct):
    images: ImageUrls
    details: SlotDetails


class UploadBody(msgspec.Struct, omit_defaults=True):
    message: str
    details: SlotDetails
    profile_image: str | None = None
    cover_image: str | None = None


class DescribedBody(msgspec.Struct):
    message: str
    details: SlotDetails


class MessageBody(msgspec.Struct):
    message: str


class BoxBody(msgspec.Struct):
    width: int
    height: int
    #: ``fit``: scaled down to fit inside; ``fill``: cropped to the box's shape, then scaled.
    mode: str
    #: The widths of the smaller versions made of each image (those narrower than it).
    variant_widths: list[int]
    #: What they are written as (an animation's stay animated, as WebP where this cannot).
    variant_type: str


class RateBody(msgspec.Struct):
    count: int
    seconds: int


class ActionRates(msgspec.Struct):
    per_user: RateBody | None
    per_address: RateBody | None


class DecodeBudgetBody(msgspec.Struct):
    """What decoding one upload may cost before it is stopped and the upload refused."""

    cpu_seconds: int
    memory_bytes: int


class LimitsBody(msgspec.Struct):
    """What GET .../limits/ answers, so that a client can check a file before it sends it."""

    max_upload_bytes: int
    #: Most pixels a still image is decoded at (a JPEG at reduced scale where its box allows).
    max_pixels: int
    #: Largest still image its header may declare.
    max_declared_pixels: int
    max_frames: int
    max_animation_pixels: int
    max_scans: int
    formats: list[str]
    media_types: list[str]
    boxes: dict[str, BoxBody]
    rate_limits: dict[str, ActionRates]
    #: None where the codec runs in the server's own process, without a budget.
    decode_budget: DecodeBudgetBody | None
