"""The JSON bodies the API answers, as plain data, and the bytes every binding sends of them.

A body names files by URL, and where a file is served is the host's to say: ``Urls`` asks a
``url_of(key)`` callable for each, so a storage's own URLs (a bucket's, a CDN's, Django's
``storage.url``) work as well as a base URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs

from imagecore import DefaultImage, ImageSlots, Shown, Slot, StoredImage, UserImages
from imagecore.adapters.web import guide_wording
from imagecore.adapters.web.rates import RATED_ACTIONS, RateRules
from imagecore.model import MEDIA_TYPES, Owner
from imagecore.throttle import Limit

#: A JSON object, as the bodies are.
Body = dict[str, Any]


@attrs.frozen
class DecodeBudget:
    """What decoding one upload may cost before it is stopped and the upload refused."""

    cpu_seconds: int
    memory_bytes: int


@attrs.frozen
class Urls:
    """The URL of each file an answer names: an upload's from ``stored(key)``, a default
    image's from ``default(key)``.

    The defaults ship with the core and are never in storage, so a CDN or bucket in front of the
    storage does not hold them: ``default`` names a place that serves them (the binding's own
    media route, or a CDN in front of it).
    """

    stored: Callable[[str], str]
    default: Callable[[str], str]

    @classmethod
    def under(cls, base: str, defaults: str | None = None) -> Urls:
        """Uploads under the base URL ``base``, defaults under ``defaults`` (else ``base``)."""
        return cls(_under(base), _under(defaults or base))

    def of(self, shown: Shown) -> str | None:
        if shown is None:
            return None
        if isinstance(shown, DefaultImage):
            return self.default(shown.key)
        return self.stored(shown.key)

    def images(self, shown: Mapping[Slot, Shown]) -> Body:
        return {slot.value: self.of(shown[slot]) for slot in Slot}

    def details(self, shown: Mapping[Slot, Shown]) -> Body:
        return {slot.value: self.detail(shown[slot]) for slot in Slot}

    def detail(self, shown: Shown) -> Body | None:
        """What an app needs to show one slot's image: where, how large, what it shows."""
        if shown is None:
            return None
        default = isinstance(shown, DefaultImage)
        image: StoredImage = shown.image if isinstance(shown, DefaultImage) else shown
        url_of = self.default if default else self.stored
        url = url_of(image.key)
        variants = [
            {"url": url_of(v.key), "media_type": v.media_type, "width": v.width, "height": v.height}
            for v in image.variants
        ]
        placeholder = image.placeholder
        srcset = [*(f"{v['url']} {v['width']}w" for v in variants), f"{url} {image.width}w"]
        return {
            "url": url,
            "default": default,
            "media_type": image.media_type,
            "width": image.width,
            "height": image.height,
            "alt": image.alt,
            "placeholder": None
            if placeholder is None
            else {"blurhash": placeholder.blurhash, "color": placeholder.color},
            "variants": variants,
            "static_url": None if image.still is None else url_of(image.still.key),
            "srcset": ", ".join(srcset),
            # The point to keep in view where the image is shown cropped, and the same as CSS
            # takes it: style="object-fit: cover; object-position: ...".
            "focus": None
            if image.focus is None
            else {"x": image.focus.x, "y": image.focus.y, "suggested": image.focus.suggested},
            "object_position": None if image.focus is None else image.focus.object_position,
        }


def _under(base: str) -> Callable[[str], str]:
    prefix = base.rstrip("/") + "/"
    return lambda key: prefix + key


def current(slots: ImageSlots, urls: Urls, images: UserImages, owner: Owner | None = None) -> Body:
    """GET's answer: each slot's URL, as the guide has it, and its details; ``owner``'s, where
    empty slots show avatars of one's own."""
    shown = slots.shown(images, owner)
    return {"images": urls.images(shown), "details": urls.details(shown)}


def uploaded(
    slots: ImageSlots,
    urls: Urls,
    images: UserImages,
    files: Collection[Slot],
    owner: Owner | None = None,
) -> Body:
    """POST's answer: the guide's message and the URL of each new image, and the details."""
    body: Body = {
        "message": guide_wording.uploaded(files),
        "details": urls.details(slots.shown(images, owner)),
    }
    for slot in Slot:
        if slot in files:
            body[slot.value] = urls.of(images.get(slot))
    return body


def described(
    slots: ImageSlots,
    urls: Urls,
    images: UserImages,
    descriptions: Collection[Slot],
    owner: Owner | None = None,
    focused: Collection[Slot] = (),
) -> Body:
    """PATCH's answer."""
    return {
        "message": guide_wording.described(descriptions, focused),
        "details": urls.details(slots.shown(images, owner)),
    }


def deleted(slot: Slot) -> Body:
    """DELETE's answer."""
    return {"message": guide_wording.deleted(slot)}


def limits(
    slots: ImageSlots, rate_rules: RateRules | None, decode_budget: DecodeBudget | None = None
) -> Body:
    """GET .../limits/'s answer: the service's limits, the rate rules of the API, and the budget
    of one decode, so that a client can check a file before it sends it."""
    limits = slots.limits
    return {
        "max_upload_bytes": limits.max_bytes,
        "max_pixels": limits.max_pixels,
        "max_declared_pixels": limits.max_declared_pixels,
        "max_frames": limits.max_frames,
        "max_animation_pixels": limits.max_animation_pixels,
        "max_scans": limits.max_scans,
        "formats": list(slots.codec.formats),
        "media_types": sorted(set(MEDIA_TYPES.values())),
        "boxes": {
            slot.value: {
                "width": policy.box.width,
                "height": policy.box.height,
                "mode": "fill" if policy.box.fill else "fit",
                "variant_widths": list(policy.box.variants),
                "variant_type": policy.box.variant_type,
            }
            for slot, policy in slots.policies.items()
        },
        "rate_limits": {
            action: {
                "per_user": _rate(None if rate_rules is None else rate_rules.per_user.get(action)),
                "per_address": _rate(
                    None if rate_rules is None else rate_rules.per_address.get(action)
                ),
            }
            for action in RATED_ACTIONS
        },
        "decode_budget": None if decode_budget is None else attrs.asdict(decode_budget),
    }


def _rate(limit: Limit | None) -> Body | None:
    return None if limit is None else {"count": limit.count, "seconds": limit.seconds}


def encode(body: Body) -> bytes:
    """``body`` as the bytes every binding sends: compact JSON in UTF-8."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
