"""The app's settings, read from ``settings.IMAGECORE`` (a dict; every key optional), and the
service built from them.

======================  =====================================================================
``STORAGE``             The alias in ``STORAGES`` the files go to (``"default"``).
``DATABASE``            The database alias of the images table (``"default"``).
``CACHE``               The cache alias rate counts are kept in (``"default"``).
``URLS``                ``"view"``: uploads are served by the app's media view, with ETags and
                        304s (the default); ``"storage"``: at the storage's own URLs (a bucket,
                        a CDN). Default images are always served by the media view.
``MAX_UPLOAD_BYTES``    Most bytes in one upload (24 MiB).
``BODY_MEMORY_BYTES``   Request bodies one process may hold at once (160 MiB), a quarter of
                        it from one address: ``BODY_MEMORY_PER_ADDRESS``.
``ISOLATE_DECODES``     Decode each upload in a child process with a CPU and memory budget
                        (``True``): ``DECODE_SECONDS`` (10), ``DECODE_MEMORY_BYTES`` (384 MiB).
``DECODE_SLOTS``        Decodes at once (2), per process, or per machine with
                        ``DECODE_LOCKS_DIR`` (a folder every worker shares).
``DECODE_WAIT``         Seconds an upload waits for a decode slot before a 503 (10).
``RATE_LIMITS``         ``{"per_user": {action: (count, seconds)}, "per_address": {...}}`` for
                        the actions ``upload``, ``delete`` and ``describe``; ``None`` for none.
                        20 per hour per user, 60 per address and user seen from it.
``TRUSTED_PROXIES``     Networks whose X-Forwarded-For names the client (``[]``).
``AUTHENTICATION``      Who decides who asks: ``"drf"``, REST framework's authentication
                        classes, or ``"session"``, Django's own; by default ``"drf"`` where
                        ``rest_framework`` is installed.
``DEFAULT_PROFILE``     What an empty profile slot shows: ``"image"``, the shipped picture
                        (the default), or an avatar of the user's own: ``"initials"`` (of
                        ``user.get_full_name()``, else an identicon) or ``"identicon"``.
``AVATAR_SECRET``       What the avatars' colours and patterns are keyed with (bytes or str;
                        by default derived from ``SECRET_KEY``).
``AVATAR_FONTS``        The fonts initials are drawn in as WebP, first to last: font files, or
                        file names in the system's font folders.
======================  =====================================================================
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import ipaddress
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django.urls import reverse

from imagecore import ImageLimits, ImageSlots
from imagecore.adapters.django.rate_counter import CacheRateCounter
from imagecore.adapters.django.repository import DjangoRepository
from imagecore.adapters.django.storage import DjangoStorage
from imagecore.adapters.web.answers import DecodeBudget, Urls
from imagecore.adapters.web.api import GuideApi
from imagecore.adapters.web.body_budget import BODY_BYTES, BodyBudget
from imagecore.adapters.web.rates import RATED_ACTIONS, RateRules
from imagecore.avatars import FONTS, AvatarPolicy, AvatarStyle
from imagecore.decode_limit import SlottedCodec, ThreadSlots
from imagecore.ports import AvatarPainter, DecodeSlots, ImageCodec
from imagecore.throttle import Limit, Throttle

DEFAULTS: Mapping[str, Any] = {
    "STORAGE": "default",
    "DATABASE": "default",
    "CACHE": "default",
    "URLS": "view",
    "MAX_UPLOAD_BYTES": ImageLimits().max_bytes,
    "BODY_MEMORY_BYTES": BODY_BYTES,
    "BODY_MEMORY_PER_ADDRESS": None,
    "ISOLATE_DECODES": True,
    "DECODE_SECONDS": 10,
    "DECODE_MEMORY_BYTES": 384 * 2**20,
    "DECODE_SLOTS": 2,
    "DECODE_LOCKS_DIR": None,
    "DECODE_WAIT": 10.0,
    "RATE_LIMITS": {
        "per_user": dict.fromkeys(RATED_ACTIONS, (20, 3600)),
        "per_address": dict.fromkeys(RATED_ACTIONS, (60, 3600)),
    },
    "TRUSTED_PROXIES": [],
    "AUTHENTICATION": None,
    "DEFAULT_PROFILE": AvatarStyle.IMAGE.value,
    "AVATAR_SECRET": None,
    "AVATAR_FONTS": FONTS,
}


@attrs.frozen
class Service:
    """What the views and commands work with."""

    slots: ImageSlots
    api: GuideApi
    close: Callable[[], None]


def setting(name: str) -> Any:
    given: Mapping[str, Any] = getattr(settings, "IMAGECORE", {})
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown IMAGECORE settings: {', '.join(sorted(unknown))}")
    return given.get(name, DEFAULTS[name])


def build() -> Service:
    """The service and the guide's API over the project's settings."""
    with contextlib.ExitStack() as opened:
        storage = DjangoStorage(storages[setting("STORAGE")])
        codec, budget = _codec(opened)
        avatars = _avatars()
        slots = ImageSlots(
            storage,
            DjangoRepository(setting("DATABASE")),
            SlottedCodec(codec, _slots()),
            limits=ImageLimits(max_bytes=setting("MAX_UPLOAD_BYTES")),
            avatars=avatars,
            painter=None if avatars is None else _painter(),
        )
        total = setting("BODY_MEMORY_BYTES")
        per_address = setting("BODY_MEMORY_PER_ADDRESS") or max(total // 4, slots.limits.max_bytes)
        api = GuideApi.over(
            slots,
            _urls(storage),
            rate_rules=_rate_rules(),
            bodies=BodyBudget(total=total, per_address=per_address),
            decode_wait=setting("DECODE_WAIT"),
            decode_budget=budget,
        )
        return Service(api.slots, api, opened.pop_all().close)
    raise AssertionError("unreachable")  # for type checkers: the with block returns


def _codec(opened: contextlib.ExitStack) -> tuple[ImageCodec, DecodeBudget | None]:
    from imagecore.adapters.pillow_codec import PillowCodec

    if not setting("ISOLATE_DECODES"):
        return PillowCodec(), None
    from imagecore.adapters.isolated_codec import IsolatedCodec

    seconds, memory = setting("DECODE_SECONDS"), setting("DECODE_MEMORY_BYTES")
    codec = IsolatedCodec(
        functools.partial(PillowCodec, memory_budget=memory), seconds=seconds, memory=memory
    )
    opened.callback(codec.close)
    return codec, DecodeBudget(cpu_seconds=seconds, memory_bytes=memory)


def _avatars() -> AvatarPolicy | None:
    style = AvatarStyle(setting("DEFAULT_PROFILE"))
    if style is AvatarStyle.IMAGE:
        return None
    secret = setting("AVATAR_SECRET")
    if secret is None:
        # The project's own secret, never shown: a keyed hash of it, for this use alone.
        key = settings.SECRET_KEY.encode()
        secret = hmac.new(key, b"imagecore default avatars", hashlib.sha256).digest()
    return AvatarPolicy(style, secret if isinstance(secret, bytes) else secret.encode())


def _painter() -> AvatarPainter:
    from imagecore.adapters.pillow_codec.avatar_painter import PillowAvatarPainter

    return PillowAvatarPainter.with_fonts(setting("AVATAR_FONTS"))


def _slots() -> DecodeSlots:
    folder = setting("DECODE_LOCKS_DIR")
    if folder is None:
        return ThreadSlots(setting("DECODE_SLOTS"))
    from imagecore.adapters.decode_slots import LockFileSlots

    return LockFileSlots(Path(folder), setting("DECODE_SLOTS"))


def _urls(storage: DjangoStorage) -> Urls:
    # The media view's URL, reversed once: reversing it for every URL of an answer (a dozen,
    # with the variants) was a sixth of a GET's time, profiled. Keys are the core's: letters,
    # digits, "_", "." and "/".
    placeholder = "0"
    prefix = str(reverse("imagecore:media", kwargs={"key": placeholder})).removesuffix(placeholder)

    def served(key: str) -> str:
        return prefix + quote(key)

    if setting("URLS") == "storage":
        return Urls(storage.url, served)
    return Urls(served, served)


def _rate_rules() -> RateRules | None:
    limits = setting("RATE_LIMITS")
    if limits is None:
        return None

    def parsed(rules: Mapping[str, tuple[int, int] | None] | None) -> dict[str, Limit | None]:
        return {
            action: None if rule is None else Limit(*rule) for action, rule in (rules or {}).items()
        }

    return RateRules(
        Throttle(CacheRateCounter(caches[setting("CACHE")])),
        per_user=parsed(limits.get("per_user")),
        per_address=parsed(limits.get("per_address")),
        trusted_proxies=tuple(ipaddress.ip_network(n) for n in setting("TRUSTED_PROXIES")),
    )
