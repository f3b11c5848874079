"""The JSON bodies the API answers, and how they are filled from the core's values."""

from __future__ import annotations

import struct
from collections.abc import Mapping

import attrs
import msgspec

from imagecore import DefaultImage, ImageSlots, Shown, Slot
from imagecore.adapters.http.limits import RateRules
from imagecore.model import DEFAULT_PLACEHOLDERS, MEDIA_TYPES
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
    max_pixels: int
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
    #: Each default image's width and height, by key.
    default_sizes: Mapping[str, tuple[int, int]] = attrs.field(factory=dict)

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
        url = self.of(shown)
        assert url is not None
        variants: list[VariantBody] = []
        still = None
        if isinstance(shown, DefaultImage):
            width, height = self.default_sizes[shown.key]
            media_type, alt = MEDIA_TYPES[shown.key.rpartition(".")[2]], ""
            placeholder = DEFAULT_PLACEHOLDERS.get(shown.key)
        else:
            width, height, media_type, alt = shown.width, shown.height, shown.media_type, shown.alt
            placeholder = shown.placeholder
            variants = [
                VariantBody(self.stored(v.key), v.media_type, v.width, v.height)
                for v in shown.variants
            ]
            still = None if shown.still is None else self.stored(shown.still.key)
        srcset = [f"{variant.url} {variant.width}w" for variant in variants]
        return ImageDetails(
            url=url,
            default=isinstance(shown, DefaultImage),
            media_type=media_type,
            width=width,
            height=height,
            alt=alt,
            placeholder=None
            if placeholder is None
            else PlaceholderBody(blurhash=placeholder.blurhash, color=placeholder.color),
            variants=variants,
            static_url=still,
            srcset=", ".join([*srcset, f"{url} {width}w"]),
        )


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header: the default images are PNGs."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


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
