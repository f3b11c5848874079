"""The JSON bodies the API answers, and how they are filled from the core's values."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import msgspec

from imagecore import DefaultImage, ImageSlots, Shown, Slot
from imagecore.adapters.http.limits import RateRules
from imagecore.model import MEDIA_TYPES
from imagecore.throttle import Limit


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


class DecodeBudget(msgspec.Struct, frozen=True):
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
    decode_budget: DecodeBudget | None


#: The actions rate rules may limit, as GET .../limits/ lists them.
RATED_ACTIONS = ("upload", "delete", "describe")


@attrs.frozen
class MediaUrls:
    """The URLs of media files: an upload's under ``base`` (``/media/`` or a CDN's URL), a
    default image's under ``defaults``.

    The defaults ship with the core and are never in storage, so a CDN or bucket in front of the
    storage does not hold them: ``defaults`` then names a place that serves them (this app's
    ``/media/``, or a CDN in front of it).
    """

    base: str
    defaults: str

    def of(self, shown: Shown) -> str | None:
        if shown is None:
            return None
        if isinstance(shown, DefaultImage):
            return self.default(shown.key)
        return self.stored(shown.key)

    def stored(self, key: str) -> str:
        """The URL of the upload stored at ``key``."""
        return _join(self.base, key)

    def default(self, key: str) -> str:
        """The URL of the default image at ``key``."""
        return _join(self.defaults, key)

    def images(self, shown: Mapping[Slot, Shown]) -> ImageUrls:
        return ImageUrls(
            profile_image=self.of(shown[Slot.PROFILE]), cover_image=self.of(shown[Slot.COVER])
        )

    def details(self, shown: Mapping[Slot, Shown]) -> SlotDetails:
        return SlotDetails(
            profile_image=self.detail(shown[Slot.PROFILE]),
            cover_image=self.detail(shown[Slot.COVER]),
        )

    def detail(self, shown: Shown) -> ImageDetails | None:
        if shown is None:
            return None
        default = isinstance(shown, DefaultImage)
        image = shown.image if isinstance(shown, DefaultImage) else shown
        url_of = self.default if default else self.stored
        url = url_of(image.key)
        variants = [
            VariantBody(url_of(v.key), v.media_type, v.width, v.height) for v in image.variants
        ]
        placeholder = image.placeholder
        return ImageDetails(
            url=url,
            default=default,
            media_type=image.media_type,
            width=image.width,
            height=image.height,
            alt=image.alt,
            placeholder=None
            if placeholder is None
            else PlaceholderBody(blurhash=placeholder.blurhash, color=placeholder.color),
            variants=variants,
            static_url=None if image.still is None else url_of(image.still.key),
            srcset=", ".join([*(f"{v.url} {v.width}w" for v in variants), f"{url} {image.width}w"]),
        )


def _join(base: str, key: str) -> str:
    return base.rstrip("/") + "/" + key


def limits_body(
    slots: ImageSlots, rate_rules: RateRules | None, decode_budget: DecodeBudget | None = None
) -> LimitsBody:
    """The limits in force: the service's own, the rate rules of the HTTP API, and the budget
    of one decode."""
    limits = slots.limits
    return LimitsBody(
        max_upload_bytes=limits.max_bytes,
        max_pixels=limits.max_pixels,
        max_declared_pixels=limits.max_declared_pixels,
        max_frames=limits.max_frames,
        max_animation_pixels=limits.max_animation_pixels,
        max_scans=limits.max_scans,
        formats=list(slots.codec.formats),
        media_types=sorted(set(MEDIA_TYPES.values())),
        boxes={
            slot.value: BoxBody(
                width=policy.box.width,
                height=policy.box.height,
                mode="fill" if policy.box.fill else "fit",
                variant_widths=list(policy.box.variants),
                variant_type=policy.box.variant_type,
            )
            for slot, policy in slots.policies.items()
        },
        rate_limits={
            action: ActionRates(
                per_user=_rate(None if rate_rules is None else rate_rules.per_user.get(action)),
                per_address=_rate(
                    None if rate_rules is None else rate_rules.per_address.get(action)
                ),
            )
            for action in RATED_ACTIONS
        },
        decode_budget=decode_budget,
    )


def _rate(limit: Limit | None) -> RateBody | None:
    return None if limit is None else RateBody(count=limit.count, seconds=limit.seconds)
