"""Settings from ``IMAGECORE_*`` environment variables: the one place that reads the environment.

Each setting is one field, declared once with its variable, its default and its parser, which
also validates. A default that is a fact of the core (a limit, a box) is read from the core.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from imagecore import Box, ImageLimits, Slot, SlotPolicy
from imagecore.app import parsers
from imagecore.avatars import FONTS
from imagecore.moderation import REPORTS_PER_HOUR
from imagecore.policies import DEFAULT_POLICIES
from imagecore.throttle import Limit

#: Default rate limits, for uploads and deletes alike. The address's limit is an allowance per
#: user seen from the address, up to USERS_PER_ADDRESS users (see RateRules).
PER_USER = Limit(20, 3600)
PER_ADDRESS = Limit(60, 3600)
#: (Written out, not read from RateRules: settings must load without the HTTP extra installed.)
USERS_PER_ADDRESS = 10
_LIMITS = ImageLimits()
_SIZE = {slot: (p.box.width, p.box.height) for slot, p in DEFAULT_POLICIES.items()}
_MODE = {slot: "FILL" if p.box.fill else "FIT" for slot, p in DEFAULT_POLICIES.items()}
_VARIANTS = {slot: p.box.variants for slot, p in DEFAULT_POLICIES.items()}

SettingsError = parsers.SettingsError


def setting(variable: str, default: Any, parse: Callable[[str, str], Any], **options: Any) -> Any:
    """A field read from ``variable`` by ``parse(variable, raw)``; ``default`` when unset."""
    return attrs.field(default=default, metadata={"variable": variable, "parse": parse}, **options)


@attrs.frozen
class Settings:
    """Everything a deployment may set. See the README for each variable's meaning."""

    data_dir: Path = setting("IMAGECORE_DATA_DIR", Path("var"), parsers.path)
    #: fsspec URL of the media files; ``None`` means the ``media`` folder in ``data_dir``.
    storage_url: str | None = setting("IMAGECORE_STORAGE_URL", None, parsers.text)
    #: ``sqlite:///<path>``, ``postgresql://...`` or ``memory:``; ``None`` means ``imagecore.db``
    #: in ``data_dir``.
    database_url: str | None = setting(
        "IMAGECORE_DATABASE_URL", None, parsers.database_url, repr=False
    )
    database_pool_size: int = setting("IMAGECORE_DATABASE_POOL_SIZE", 10, parsers.positive_int)
    #: ``None`` means the HTTP adapter's own media path.
    media_url: str | None = setting("IMAGECORE_MEDIA_URL", None, parsers.media_url)
    #: Base URL of the default images, which ship with imagecore and are never in storage;
    #: ``None`` means the media URL.
    defaults_url: str | None = setting("IMAGECORE_DEFAULTS_URL", None, parsers.media_url)
    jwt_secret: str | None = setting("IMAGECORE_JWT_SECRET", None, parsers.secret, repr=False)
    jwt_public_key: str | None = setting(
        "IMAGECORE_JWT_PUBLIC_KEY", None, parsers.public_key, repr=False
    )
    jwt_issuer: str | None = setting("IMAGECORE_JWT_ISSUER", None, parsers.text)
    jwt_audience: str | None = setting("IMAGECORE_JWT_AUDIENCE", None, parsers.text)
    max_upload_bytes: int = setting(
        "IMAGECORE_MAX_UPLOAD_BYTES", _LIMITS.max_bytes, parsers.positive_int
    )
    max_pixels: int = setting("IMAGECORE_MAX_PIXELS", _LIMITS.max_pixels, parsers.pixels)
    max_declared_pixels: int = setting(
        "IMAGECORE_MAX_DECLARED_PIXELS", _LIMITS.max_declared_pixels, parsers.pixels
    )
    max_frames: int = setting("IMAGECORE_MAX_FRAMES", _LIMITS.max_frames, parsers.positive_int)
    max_animation_pixels: int = setting(
        "IMAGECORE_MAX_ANIMATION_PIXELS", _LIMITS.max_animation_pixels, parsers.positive_int
    )
    max_scans: int = setting("IMAGECORE_MAX_SCANS", _LIMITS.max_scans, parsers.positive_int)
    profile_size: tuple[int, int] = setting(
        "IMAGECORE_PROFILE_SIZE", _SIZE[Slot.PROFILE], parsers.size
    )
    profile_mode: str = setting("IMAGECORE_PROFILE_MODE", _MODE[Slot.PROFILE], parsers.box_mode)
    cover_size: tuple[int, int] = setting("IMAGECORE_COVER_SIZE", _SIZE[Slot.COVER], parsers.size)
    cover_mode: str = setting("IMAGECORE_COVER_MODE", _MODE[Slot.COVER], parsers.box_mode)
    stills_as_webp: bool = setting("IMAGECORE_STILLS_AS_WEBP", False, parsers.flag)
    profile_variants: tuple[int, ...] = setting(
        "IMAGECORE_PROFILE_VARIANTS", _VARIANTS[Slot.PROFILE], parsers.widths
    )
    cover_variants: tuple[int, ...] = setting(
        "IMAGECORE_COVER_VARIANTS", _VARIANTS[Slot.COVER], parsers.widths
    )
    variant_type: str = setting("IMAGECORE_VARIANT_FORMAT", "image/webp", parsers.variant_type)
    #: For the server as a whole: every worker process takes from the same slots.
    max_concurrent_decodes: int = setting(
        "IMAGECORE_MAX_CONCURRENT_DECODES", 2, parsers.positive_int
    )
    #: How long an upload waits for a decode slot before it is answered 503.
    decode_wait: float = setting("IMAGECORE_DECODE_WAIT", 10.0, parsers.seconds)
    decode_seconds: int = setting("IMAGECORE_DECODE_SECONDS", 10, parsers.positive_int)
    #: The memory request bodies may hold in each server process (a quarter from one address).
    body_memory_mb: int = setting("IMAGECORE_BODY_MEMORY_MB", 160, parsers.positive_int)
    decode_memory_mb: int = setting("IMAGECORE_DECODE_MEMORY_MB", 384, parsers.positive_int)
    upload_rate_per_user: Limit | None = setting(
        "IMAGECORE_UPLOAD_RATE_PER_USER", PER_USER, parsers.rate
    )
    upload_rate_per_address: Limit | None = setting(
        "IMAGECORE_UPLOAD_RATE_PER_ADDRESS", PER_ADDRESS, parsers.rate
    )
    delete_rate_per_user: Limit | None = setting(
        "IMAGECORE_DELETE_RATE_PER_USER", PER_USER, parsers.rate
    )
    delete_rate_per_address: Limit | None = setting(
        "IMAGECORE_DELETE_RATE_PER_ADDRESS", PER_ADDRESS, parsers.rate
    )
    #: How many users seen from one address each add its per-address allowance.
    rate_users_per_address: int = setting(
        "IMAGECORE_RATE_USERS_PER_ADDRESS", USERS_PER_ADDRESS, parsers.positive_int
    )
    #: Actions each user may take from an address in a window whatever others on it did.
    rate_grace_per_user: int = setting("IMAGECORE_RATE_GRACE_PER_USER", 3, parsers.count)
    trusted_proxies: tuple[parsers.Network, ...] = setting(
        "IMAGECORE_TRUSTED_PROXIES", (), parsers.networks
    )
    cors_origins: tuple[str, ...] = setting("IMAGECORE_CORS_ORIGINS", (), parsers.origins)
    #: What `imagecore serve` lets one connection send, and how many there may be per worker.
    max_header_bytes: int = setting("IMAGECORE_MAX_HEADER_BYTES", 32 * 1024, parsers.positive_int)
    max_headers: int = setting("IMAGECORE_MAX_HEADERS", 100, parsers.positive_int)
    header_timeout: float = setting("IMAGECORE_HEADER_TIMEOUT", 10.0, parsers.seconds)
    body_timeout: float = setting("IMAGECORE_BODY_TIMEOUT", 30.0, parsers.seconds)
    body_total_timeout: float = setting("IMAGECORE_BODY_TOTAL_TIMEOUT", 300.0, parsers.seconds)
    max_connections: int = setting("IMAGECORE_MAX_CONNECTIONS", 1000, parsers.positive_int)
    max_connections_per_address: int = setting(
        "IMAGECORE_MAX_CONNECTIONS_PER_ADDRESS", 64, parsers.positive_int
    )
    #: The token claim that names a moderator, and the value in it that does (a claim holding
    #: a space-separated string, such as OAuth's ``scope``, or a list of strings).
    moderator_claim: str = setting("IMAGECORE_MODERATOR_CLAIM", "scope", parsers.text)
    moderator_scope: str = setting("IMAGECORE_MODERATOR_SCOPE", "imagecore:moderate", parsers.text)
    report_rate_per_user: Limit | None = setting(
        "IMAGECORE_REPORT_RATE_PER_USER", REPORTS_PER_HOUR, parsers.rate
    )
    #: What an empty profile slot shows: the shipped picture, or an avatar of the user's own.
    default_profile: str = setting("IMAGECORE_DEFAULT_PROFILE", "image", parsers.avatar_style)
    #: The token claim holding a user's display name, for the initials of their avatar.
    display_name_claim: str = setting("IMAGECORE_DISPLAY_NAME_CLAIM", "name", parsers.text)
    #: What the avatars' colours and patterns are keyed with: the same on every machine of a
    #: deployment, or each draws its own (unset: a secret kept in the data dir).
    avatar_secret: str | None = setting("IMAGECORE_AVATAR_SECRET", None, parsers.secret, repr=False)
    #: The fonts the avatars' initials are drawn in as WebP, tried first to last: font files, or
    #: file names in the system's font folders. Initials no font has are served as SVG alone.
    avatar_fonts: tuple[str, ...] = setting("IMAGECORE_AVATAR_FONTS", FONTS, parsers.names)
    #: How long the audit log keeps a record: ``gc`` removes older ones.
    audit_days: int = setting("IMAGECORE_AUDIT_DAYS", 365, parsers.positive_int)
    log_level: str = setting("IMAGECORE_LOG_LEVEL", "INFO", parsers.log_level)

    @property
    def limits(self) -> ImageLimits:
        return ImageLimits(
            max_bytes=self.max_upload_bytes,
            max_pixels=self.max_pixels,
            max_declared_pixels=self.max_declared_pixels,
            max_frames=self.max_frames,
            max_animation_pixels=self.max_animation_pixels,
            max_scans=self.max_scans,
        )

    @property
    def profile_box(self) -> Box:
        fill = self.profile_mode == "FILL"
        return Box(
            *self.profile_size,
            fill=fill,
            variants=self.profile_variants,
            variant_type=self.variant_type,
        )

    @property
    def cover_box(self) -> Box:
        fill = self.cover_mode == "FILL"
        return Box(
            *self.cover_size,
            fill=fill,
            variants=self.cover_variants,
            variant_type=self.variant_type,
        )

    @property
    def policies(self) -> dict[Slot, SlotPolicy]:
        """The slots' policies with the configured boxes."""
        boxes = {Slot.PROFILE: self.profile_box, Slot.COVER: self.cover_box}
        return {
            slot: attrs.evolve(policy, box=boxes[slot]) for slot, policy in DEFAULT_POLICIES.items()
        }

    @property
    def media_storage_url(self) -> str:
        if self.storage_url is not None:
            return self.storage_url
        return (self.data_dir.resolve() / "media").as_uri()

    @property
    def database(self) -> str:
        """The database URL in force; a relative SQLite path is made absolute in the data dir."""
        if self.database_url is None:
            return "sqlite:///" + str(self.data_dir.resolve() / "imagecore.db")
        if self.database_url.startswith("sqlite:///"):
            path = Path(self.database_url.removeprefix("sqlite:///"))
            return "sqlite:///" + str(
                path if path.is_absolute() else self.data_dir.resolve() / path
            )
        return self.database_url

    @property
    def database_shown(self) -> str:
        """The database URL with its password masked, for banners and messages."""
        return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", self.database)

    @property
    def shares_state(self) -> bool:
        """Whether several processes built from these settings see the same images."""
        in_memory = self.media_storage_url.startswith("memory://")
        return not in_memory and not self.database.startswith("memory:")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``environ`` (the process environment by default).

        Raises :class:`SettingsError` naming the variable when a value is unusable.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in attrs.fields(cls):
            variable = field.metadata["variable"]
            raw = environ.get(variable, "").strip()
            if raw:
                values[field.name] = field.metadata["parse"](variable, raw)
        settings = cls(**values)
        if settings.media_storage_url.startswith("memory://") and settings.database_url != (
            "memory:"
        ):
            # Files that vanish on exit, with references that do not: references to nothing.
            raise SettingsError(
                "IMAGECORE_STORAGE_URL=memory://... forgets every file when the server stops; "
                "it needs IMAGECORE_DATABASE_URL=memory: too."
            )
        return settings

    @classmethod
    def variables(cls) -> list[str]:
        """Every variable the settings read."""
        return [field.metadata["variable"] for field in attrs.fields(cls)]
