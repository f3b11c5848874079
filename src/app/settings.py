"""Settings from ``IMAGECORE_*`` environment variables: the one place that reads the environment."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path

import attrs
from imagecore.adapters.pillow_codec import DEFAULT_BOXES, OutputBox

from imagecore import Limit, Slot

MIN_SECRET_LENGTH = 32
#: Default rate limits, for uploads and deletes alike.
PER_USER = Limit(20, 3600)
PER_ADDRESS = Limit(60, 3600)
DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "memory:")
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@attrs.frozen
class Settings:
    """Everything a deployment may set. See the README for each variable's meaning."""

    data_dir: Path = Path("var")
    #: fsspec URL of the media files; ``None`` means the ``media`` folder in ``data_dir``.
    storage_url: str | None = None
    #: ``sqlite:///<path>``, ``postgresql://...`` or ``memory:``; ``None`` means ``imagecore.db``
    #: in ``data_dir``.
    database_url: str | None = attrs.field(default=None, repr=False)
    database_pool_size: int = 10
    media_url: str = "/media/"
    jwt_secret: str | None = attrs.field(default=None, repr=False)
    jwt_public_key: str | None = attrs.field(default=None, repr=False)
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_frames: int = 200
    max_animation_pixels: int = 100_000_000
    profile_box: OutputBox = DEFAULT_BOXES[Slot.PROFILE]
    cover_box: OutputBox = DEFAULT_BOXES[Slot.COVER]
    stills_as_webp: bool = False
    max_concurrent_decodes: int = 2
    upload_rate_per_user: Limit | None = PER_USER
    upload_rate_per_address: Limit | None = PER_ADDRESS
    delete_rate_per_user: Limit | None = PER_USER
    delete_rate_per_address: Limit | None = PER_ADDRESS
    trusted_proxies: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"

    @property
    def boxes(self) -> dict[Slot, OutputBox]:
        """Each slot's output box."""
        return {Slot.PROFILE: self.profile_box, Slot.COVER: self.cover_box}

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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``environ`` (the process environment by default).

        Raises :class:`SettingsError` naming the variable when a value is unusable.
        """
        env = _Env(os.environ if environ is None else environ)
        public_key = env.text("IMAGECORE_JWT_PUBLIC_KEY")
        if public_key is not None and not public_key.lstrip().startswith("-----BEGIN"):
            public_key = env.file("IMAGECORE_JWT_PUBLIC_KEY", public_key)
        secret = env.text("IMAGECORE_JWT_SECRET")
        if secret is not None and len(secret) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"IMAGECORE_JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters long "
                f"(got {len(secret)}); a short HS256 secret can be guessed."
            )
        media_url = env.text("IMAGECORE_MEDIA_URL") or "/media/"
        if not media_url.startswith(("/", "http://", "https://")):
            raise SettingsError(
                "IMAGECORE_MEDIA_URL must be a path starting with '/' or an http(s):// URL, "
                f"got {media_url!r}."
            )
        database_url = env.text("IMAGECORE_DATABASE_URL")
        if database_url is not None and not database_url.startswith(DATABASE_SCHEMES):
            raise SettingsError(
                "IMAGECORE_DATABASE_URL must start with "
                f"{' or '.join(repr(s) for s in DATABASE_SCHEMES)}, got {database_url!r}."
            )
        storage_url = env.text("IMAGECORE_STORAGE_URL")
        if storage_url and storage_url.startswith("memory://") and database_url != "memory:":
            # Files that vanish on exit, with references that do not: references to nothing.
            raise SettingsError(
                "IMAGECORE_STORAGE_URL=memory://... forgets every file when the server stops; "
                "it needs IMAGECORE_DATABASE_URL=memory: too."
            )
        return cls(
            data_dir=Path(env.text("IMAGECORE_DATA_DIR") or "var"),
            storage_url=storage_url,
            database_url=database_url,
            database_pool_size=env.positive_int("IMAGECORE_DATABASE_POOL_SIZE", 10),
            media_url=media_url if media_url.endswith("/") else media_url + "/",
            jwt_secret=secret,
            jwt_public_key=public_key,
            jwt_issuer=env.text("IMAGECORE_JWT_ISSUER"),
            jwt_audience=env.text("IMAGECORE_JWT_AUDIENCE"),
            max_upload_bytes=env.positive_int(
                "IMAGECORE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES
            ),
            max_pixels=env.positive_int("IMAGECORE_MAX_PIXELS", DEFAULT_MAX_PIXELS),
            max_frames=env.positive_int("IMAGECORE_MAX_FRAMES", 200),
            max_animation_pixels=env.positive_int("IMAGECORE_MAX_ANIMATION_PIXELS", 100_000_000),
            profile_box=env.box("IMAGECORE_PROFILE", DEFAULT_BOXES[Slot.PROFILE]),
            cover_box=env.box("IMAGECORE_COVER", DEFAULT_BOXES[Slot.COVER]),
            stills_as_webp=env.flag("IMAGECORE_STILLS_AS_WEBP"),
            max_concurrent_decodes=env.positive_int("IMAGECORE_MAX_CONCURRENT_DECODES", 2),
            upload_rate_per_user=env.rate("IMAGECORE_UPLOAD_RATE_PER_USER", PER_USER),
            upload_rate_per_address=env.rate("IMAGECORE_UPLOAD_RATE_PER_ADDRESS", PER_ADDRESS),
            delete_rate_per_user=env.rate("IMAGECORE_DELETE_RATE_PER_USER", PER_USER),
            delete_rate_per_address=env.rate("IMAGECORE_DELETE_RATE_PER_ADDRESS", PER_ADDRESS),
            trusted_proxies=env.networks("IMAGECORE_TRUSTED_PROXIES"),
            cors_origins=env.origins("IMAGECORE_CORS_ORIGINS"),
            log_level=env.choice(
                "IMAGECORE_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")
            ),
        )


@attrs.frozen
class _Env:
    environ: Mapping[str, str]

    def text(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def positive_int(self, name: str, default: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}.") from None
        if value <= 0:
            raise SettingsError(f"{name} must be greater than 0, got {value}.")
        return value

    def box(self, prefix: str, default: OutputBox) -> OutputBox:
        """A box from ``<prefix>_SIZE`` (``WIDTHxHEIGHT``) and ``<prefix>_MODE`` (fit or fill)."""
        size = self.text(f"{prefix}_SIZE")
        width, height = default.width, default.height
        if size is not None:
            match = re.fullmatch(r"([1-9][0-9]{0,4})x([1-9][0-9]{0,4})", size.lower())
            if match is None:
                raise SettingsError(
                    f"{prefix}_SIZE must be WIDTHxHEIGHT in pixels, like 800x800, got {size!r}."
                )
            width, height = int(match.group(1)), int(match.group(2))
        mode = self.choice(f"{prefix}_MODE", "FILL" if default.fill else "FIT", ("FIT", "FILL"))
        return OutputBox(width, height, fill=mode == "FILL")

    def rate(self, name: str, default: Limit) -> Limit | None:
        """``COUNT/UNIT`` (second, minute, hour or day), or ``off``."""
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() == "off":
            return None
        match = re.fullmatch(r"([1-9][0-9]*)\s*/\s*(second|minute|hour|day)", raw.lower())
        if match is None:
            raise SettingsError(
                f"{name} must be COUNT/UNIT (second, minute, hour or day), like 20/hour, "
                f"or off; got {raw!r}."
            )
        seconds = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[match.group(2)]
        return Limit(int(match.group(1)), seconds)

    def networks(self, name: str) -> tuple[str, ...]:
        """Comma-separated addresses or networks, like 127.0.0.1,10.0.0.0/8."""
        values = tuple(part.strip() for part in (self.text(name) or "").split(",") if part.strip())
        for value in values:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise SettingsError(
                    f"{name} must list IP addresses or networks, like 10.0.0.0/8; got {value!r}."
                ) from None
        return values

    def origins(self, name: str) -> tuple[str, ...]:
        """Comma-separated origins, like https://example.com,https://www.example.com."""
        values = tuple(part.strip() for part in (self.text(name) or "").split(",") if part.strip())
        for value in values:
            if not re.fullmatch(r"https?://[^/\s]+", value):
                raise SettingsError(
                    f"{name} must list origins like https://example.com (scheme and host, no "
                    f"path); got {value!r}."
                )
        return values

    def flag(self, name: str) -> bool:
        raw = (self.text(name) or "false").lower()
        if raw not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise SettingsError(f"{name} must be true or false, got {raw!r}.")
        return raw in ("1", "true", "yes", "on")

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = (self.text(name) or default).upper()
        if value not in choices:
            raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
        return value

    def file(self, name: str, path: str) -> str:
        try:
            return Path(path).read_text()
        except OSError as error:
            raise SettingsError(
                f"{name} must be a PEM public key or the path of a file holding one; "
                f"cannot read {path!r}: {error.strerror}."
            ) from None
