"""The composition root: the only place that knows every adapter.

Tests, the command line and embedding apps all build through these functions; nothing is built
when a module is imported.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import Any

from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import AccessLog, HttpConfig, TokenPolicy, create_app
from imagecore.adapters.http.limits import RateRules
from imagecore.adapters.memory_repository import MemoryRateCounter, MemoryRepository
from imagecore.adapters.pillow_codec import ACCEPTED, Limits, PillowCodec
from imagecore.adapters.sqlite_repository import SqliteRepository
from imagecore.app.settings import Settings, SettingsError
from litestar import Litestar
from litestar.types import ASGIApp

from imagecore import (
    MEDIA_TYPES,
    ImageCodec,
    ImageCoreError,
    ImageRepository,
    ImageSlots,
    ImageStorage,
    Limit,
    RateCounter,
    Slot,
    Throttle,
)

SECRET_FILE = "jwt-secret"


def build_service(
    settings: Settings,
    *,
    storage: ImageStorage | None = None,
    repository: ImageRepository | None = None,
    codec: ImageCodec | None = None,
    existing: bool = False,
) -> ImageSlots:
    """The core service wired to the adapters ``settings`` name, or to the ones given.

    With ``existing``, for `gc` and `check`, nothing is created: the database must exist
    already, and the default image is not installed.

    Raises :class:`SettingsError`, naming the variable, when a configured place is unusable.
    """
    variable = "IMAGECORE_STORAGE_URL" if settings.storage_url else "IMAGECORE_DATA_DIR"
    with _blaming(variable, f"storage {settings.media_storage_url!r}"):
        storage = storage or FsspecStorage.from_url(settings.media_storage_url)
        if not existing:
            install_defaults(storage)
    return ImageSlots(
        storage=storage,
        repository=repository or build_repository(settings, existing=existing),
        codec=codec or build_codec(settings),
    )


def build_codec(settings: Settings) -> PillowCodec:
    return PillowCodec(
        boxes=settings.boxes,
        limits=Limits(
            max_pixels=settings.max_pixels,
            max_frames=settings.max_frames,
            max_animation_pixels=settings.max_animation_pixels,
        ),
        stills_as_webp=settings.stills_as_webp,
        max_concurrent=settings.max_concurrent_decodes,
    )


def build_repository(settings: Settings, *, existing: bool = False) -> ImageRepository:
    """The repository the database URL names: SQLite, PostgreSQL, or memory."""
    url = settings.database
    if url.startswith("memory:"):
        if existing:
            raise SettingsError(
                "IMAGECORE_DATABASE_URL=memory: lives inside the server process only; "
                "gc and check need the database the server uses."
            )
        return MemoryRepository()
    variable = "IMAGECORE_DATABASE_URL" if settings.database_url else "IMAGECORE_DATA_DIR"
    with _blaming(variable, f"database {settings.database_shown!r}"):
        if url.startswith(("postgresql://", "postgres://")):
            try:
                from imagecore.adapters.postgres_repository import PostgresRepository
            except ImportError as error:
                raise ImportError("PostgreSQL needs `pip install 'imagecore[postgres]'`") from error
            return PostgresRepository(url, pool_size=settings.database_pool_size)
        return SqliteRepository(url.removeprefix("sqlite:///"), create=not existing)


@contextlib.contextmanager
def _blaming(variable: str, what: str) -> Iterator[None]:
    """Turns a failure to open a configured place into a SettingsError naming its variable."""
    try:
        yield
    except (ImageCoreError, OSError, ValueError, ImportError) as error:
        # str(), not .message: this is for the operator, who needs the details.
        cause = error.__cause__ if isinstance(error, ImageCoreError) else None
        detail = f"{error} ({cause})" if cause else str(error)
        raise SettingsError(f"{variable}: cannot use {what}: {detail}") from error


def shares_state(settings: Settings) -> bool:
    """Whether several processes built from ``settings`` see the same images."""
    in_memory = settings.media_storage_url.startswith("memory://")
    return not in_memory and not settings.database.startswith("memory:")


def build_app(
    settings: Settings, *, slots: ImageSlots | None = None, tokens: TokenPolicy | None = None
) -> Litestar:
    """The HTTP API for ``settings``, over ``slots`` or a service built from the settings."""
    slots = slots or build_service(settings)
    return create_app(
        slots,
        HttpConfig(
            tokens=tokens or token_policy(settings),
            media_url=settings.media_url,
            max_upload_bytes=settings.max_upload_bytes,
            version=package_version(),
            rate_rules=RateRules(
                throttle=Throttle(rate_counter(slots.repository)),
                per_user={
                    "upload": settings.upload_rate_per_user,
                    "delete": settings.delete_rate_per_user,
                },
                per_address={
                    "upload": settings.upload_rate_per_address,
                    "delete": settings.delete_rate_per_address,
                },
                trusted_proxies=tuple(
                    ipaddress.ip_network(network, strict=False)
                    for network in settings.trusted_proxies
                ),
            ),
            published_limits=published_limits(settings),
            cors_origins=settings.cors_origins,
            reads_inline=isinstance(slots.repository, MemoryRepository | SqliteRepository),
        ),
    )


def rate_counter(repository: ImageRepository) -> RateCounter:
    """Rate counts where the repository keeps its rows, so that every worker shares them."""
    shared = getattr(repository, "rate_counter", None)
    return shared() if callable(shared) else MemoryRateCounter()


def published_limits(settings: Settings) -> dict[str, Any]:
    """The limits a client may check a file against before it sends it."""

    def rate(limit: Limit | None) -> dict[str, int] | None:
        return None if limit is None else {"count": limit.count, "seconds": limit.seconds}

    return {
        "max_upload_bytes": settings.max_upload_bytes,
        "max_pixels": settings.max_pixels,
        "max_frames": settings.max_frames,
        "max_animation_pixels": settings.max_animation_pixels,
        "formats": list(ACCEPTED),
        "media_types": sorted(set(MEDIA_TYPES.values())),
        "boxes": {
            slot.value: {
                "width": box.width,
                "height": box.height,
                "mode": "fill" if box.fill else "fit",
            }
            for slot, box in settings.boxes.items()
        },
        "rate_limits": {
            "upload": {
                "per_user": rate(settings.upload_rate_per_user),
                "per_address": rate(settings.upload_rate_per_address),
            },
            "delete": {
                "per_user": rate(settings.delete_rate_per_user),
                "per_address": rate(settings.delete_rate_per_address),
            },
        },
    }


def asgi_app() -> ASGIApp:
    """The app for ``uvicorn --factory imagecore.app.bootstrap:asgi_app``, configured from the
    environment, with a log line per request."""
    return AccessLog(build_app(Settings.from_env()))


def token_policy(settings: Settings) -> TokenPolicy:
    """How tokens are checked: the configured public key or secret, else the data dir's secret."""
    options = {"issuer": settings.jwt_issuer, "audience": settings.jwt_audience}
    if settings.jwt_public_key is not None:
        try:
            return TokenPolicy.public_key(settings.jwt_public_key, **options)
        except ValueError as error:
            raise SettingsError(f"IMAGECORE_JWT_PUBLIC_KEY is unusable: {error}.") from None
    secret = settings.jwt_secret or stored_secret(settings.data_dir)
    return TokenPolicy.shared_secret(secret, **options)


def stored_secret(data_dir: Path) -> str:
    """The secret kept in the data dir, created (mode 600) the first time it is needed."""
    with _blaming("IMAGECORE_DATA_DIR", f"data dir {str(data_dir)!r}"):
        return _read_or_create_secret(data_dir / SECRET_FILE)


def _read_or_create_secret(path: Path) -> str:
    # Several workers may start at once: the secret is written to a private temporary file and
    # linked into place, so every worker reads the same complete secret.
    with contextlib.suppress(FileNotFoundError):
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()


def install_defaults(storage: ImageStorage) -> None:
    """Put each slot's default image in storage, so it is served like any other image."""
    for slot in Slot:
        key = slot.policy.fallback
        if key is None:
            continue
        data = (files("imagecore.app") / "assets" / f"default-{slot.policy.prefix}.png").read_bytes()
        if not storage.exists(key) or storage.read(key) != data:
            storage.write(key, data)


def package_version() -> str:
    try:
        return version("imagecore")
    except PackageNotFoundError:
        return "0+unknown"
