"""The HTTP service for a deployment: the API over the wiring, its lifespan, and its logging."""

from __future__ import annotations

import ctypes
import logging.config
from typing import Any

import attrs
from litestar import Litestar
from litestar.types import ASGIApp

from imagecore import ImageCodec
from imagecore.adapters.http import AccessLog, HttpConfig, TokenPolicy, create_app
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.web.answers import DecodeBudget
from imagecore.adapters.web.body_budget import BodyBudget
from imagecore.adapters.web.rates import RateRules
from imagecore.app import package_version
from imagecore.app.settings import Settings
from imagecore.app.tokens import token_policy
from imagecore.app.wiring import Wiring, open_wiring
from imagecore.decode_limit import SlottedCodec
from imagecore.throttle import Throttle

LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
#: Where the API says the images are, unless IMAGECORE_MEDIA_URL says otherwise.
MEDIA_URL = str(attrs.fields(HttpConfig).media_url.default)


def build_app(
    settings: Settings,
    *,
    wiring: Wiring | None = None,
    tokens: TokenPolicy | None = None,
    existing: bool = False,
) -> Litestar:
    """The HTTP API for ``settings``: over ``wiring``, which its owner closes, or over wiring it
    opens itself (``existing``: only opening the database, never creating or migrating it) and
    closes when the app shuts down."""
    on_shutdown = []
    if wiring is None:
        wiring = open_wiring(settings, existing=existing)
        on_shutdown.append(wiring.close)
    config = http_config(settings, wiring, tokens or token_policy(settings))
    return create_app(wiring.slots, config, moderation=wiring.moderation, on_shutdown=on_shutdown)


def http_config(settings: Settings, wiring: Wiring, tokens: TokenPolicy) -> HttpConfig:
    """What the HTTP adapter needs besides the core service, from the settings."""
    options: dict[str, Any] = {}
    if settings.media_url is not None:
        options["media_url"] = settings.media_url
    if settings.defaults_url is not None:
        options["defaults_url"] = settings.defaults_url
    return HttpConfig(
        tokens=tokens,
        version=package_version(),
        rate_rules=RateRules(
            throttle=Throttle(wiring.rate_counter),
            # A change of description is counted as a delete is: both change no file's bytes.
            per_user={
                "upload": settings.upload_rate_per_user,
                "delete": settings.delete_rate_per_user,
                "describe": settings.delete_rate_per_user,
            },
            per_address={
                "upload": settings.upload_rate_per_address,
                "delete": settings.delete_rate_per_address,
                "describe": settings.delete_rate_per_address,
            },
            trusted_proxies=settings.trusted_proxies,
            users_per_address=settings.rate_users_per_address,
            grace=settings.rate_grace_per_user,
        ),
        cors_origins=settings.cors_origins,
        reader=wiring.reader,
        decode_wait=settings.decode_wait,
        decode_budget=decode_budget(wiring.slots.codec),
        bodies=body_budget(settings),
        **options,
    )


def body_budget(settings: Settings) -> BodyBudget:
    """The memory bodies may hold, one upload at least: a quarter of it from one address, and
    one upload at least."""
    total = max(settings.body_memory_mb * 2**20, settings.max_upload_bytes)
    return BodyBudget(total=total, per_address=max(total // 4, settings.max_upload_bytes))


def decode_budget(codec: ImageCodec) -> DecodeBudget | None:
    """What one decode may cost, where the codec (or the codec it wraps) holds it to a budget."""
    if isinstance(codec, SlottedCodec):
        codec = codec.codec
    if isinstance(codec, IsolatedCodec):
        return DecodeBudget(cpu_seconds=codec.seconds, memory_bytes=codec.memory)
    return None


def asgi_app() -> ASGIApp:
    """The app for ``uvicorn --factory imagecore.app.server:asgi_app``: configured from the
    environment, with a log line per request; it creates or migrates the database if need be."""
    return _process_app(existing=False)


def worker_app() -> ASGIApp:
    """The app each worker of ``imagecore serve --workers N`` runs: the command prepared the
    database before starting them, so a worker only opens it."""
    return _process_app(existing=True)


def _process_app(*, existing: bool) -> ASGIApp:
    # Called in each worker process, so it sets up that process's logging and memory too.
    settings = Settings.from_env()
    logging.config.dictConfig(log_config(settings.log_level))
    return_memory_promptly()
    return AccessLog(build_app(settings, existing=existing))


#: mallopt's parameter for the size from which glibc maps an allocation of its own (malloc.h).
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024


def return_memory_promptly() -> None:
    """Have glibc map every allocation of 128 KB or more (an upload's body, its file) on its
    own, so that it goes back to the system when it is freed.

    By default glibc raises that threshold to the size of each mapped block freed, up to 32 MB:
    after the first upload, bodies came from the heap, where they fragmented it and were kept.
    Sixty slow uploads then left the server at 2.5 GB after their clients had gone. For the
    server's own processes only: a host that embeds imagecore tunes its allocator itself."""
    libc = ctypes.CDLL(None)
    if hasattr(libc, "mallopt"):  # glibc
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def log_config(level: str) -> dict[str, Any]:
    """Lines on standard error for imagecore and uvicorn alike, at ``level``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        # uvicorn's own handlers would print its lines a second time.
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
