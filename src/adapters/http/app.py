"""The HTTP app, assembled: the guide's routes, the media route, the page, over one service.

Every value the app states (limits, formats, boxes) is read from the service it is given, so
that what the API answers and documents is what the core enforces.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import attrs
from litestar import Litestar
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware

from imagecore import ImageSlots
from imagecore.adapters.http.auth import TokenPolicy
from imagecore.adapters.http.cors import CrossOrigin, OptionsRouter
from imagecore.adapters.http.docs import docs_headers, openapi_config
from imagecore.adapters.http.errors import exception_handlers, refund_unavailable
from imagecore.adapters.http.media import MEDIA_PATH, media_router
from imagecore.adapters.http.middleware import BearerAuthMiddleware, Identity, IdentityMiddleware
from imagecore.adapters.http.moderation import ModerationApi, moderator_handlers, report_handlers
from imagecore.adapters.http.openapi import operations
from imagecore.adapters.http.pages import page_routes
from imagecore.adapters.http.routes import API_PATH, Api, ThreadedReader, api_handlers, health
from imagecore.adapters.web import answers
from imagecore.adapters.web.admission import UploadGate
from imagecore.adapters.web.answers import DecodeBudget, Urls
from imagecore.adapters.web.body_budget import BodyBudget
from imagecore.adapters.web.rates import RateRules
from imagecore.decode_limit import SlottedCodec, ThreadSlots
from imagecore.moderation import Moderation
from imagecore.ports import AsyncImageReader


@attrs.frozen
class HttpConfig:
    """What the HTTP adapter needs besides the core service: how it tells who asks, either
    ``tokens`` (bearer tokens it checks itself) or ``identity`` (the host's own callable)."""

    tokens: TokenPolicy | None = None
    #: A host's own authentication, for an app mounted inside it: see ``Identity``.
    identity: Identity | None = None
    #: Base URL of the media files: ``/media/`` when this app serves them, or a CDN's URL.
    media_url: str = MEDIA_PATH + "/"
    #: Base URL of the default images, which ship with the core and are never in storage: this
    #: app serves them under ``/media/``, so a ``media_url`` pointing at a CDN or a bucket in
    #: front of the storage needs this to point at a place that serves them. None: ``media_url``.
    defaults_url: str | None = None
    title: str = "imagecore"
    version: str = "0"
    #: Rate limits on uploads and deletes; None for none.
    rate_rules: RateRules | None = None
    #: Origins allowed to call the API from a browser; none by default.
    cors_origins: tuple[str, ...] = ()
    #: How a GET reads a user's images on the event loop (an async database driver, a memory
    #: repository read in place): opened when the app starts, closed when it stops. None: the
    #: service's repository, on a worker thread.
    reader: AsyncImageReader | None = None
    #: How long an upload waits for a decode slot before it is answered 503.
    decode_wait: float = 10.0
    #: What one decode may cost (CPU seconds, bytes of memory), when the codec enforces a budget:
    #: published in the limits.
    decode_budget: DecodeBudget | None = None
    #: The memory request bodies may hold in this process, in all and from one address.
    bodies: BodyBudget = attrs.field(factory=BodyBudget)

    def __attrs_post_init__(self) -> None:
        if (self.tokens is None) == (self.identity is None):
            raise ValueError("HttpConfig takes either tokens or an identity callable, not both")

    def authentication(self) -> DefineMiddleware:
        if self.identity is not None:
            return DefineMiddleware(IdentityMiddleware, identity=self.identity)
        return DefineMiddleware(BearerAuthMiddleware, policy=self.tokens)


def create_app(
    slots: ImageSlots,
    config: HttpConfig,
    *,
    moderation: Moderation | None = None,
    **litestar_options: Any,
) -> Litestar:
    """The HTTP API over ``slots``: the guide's routes in ``/api/resume/``, media in ``/media/``;
    with ``moderation``, users' reports and the moderators' routes beside them.

    A request body may be as large as one upload may be (``slots.limits.max_bytes``). Uploads
    decode in the slots of the service's codec where it is a
    :class:`~imagecore.decode_limit.SlottedCodec` (shared, say, by every worker of a server);
    any other codec is given two slots in this process.
    """
    if isinstance(slots.codec, SlottedCodec):
        codec = slots.codec
    else:
        codec = SlottedCodec(slots.codec, ThreadSlots())
        slots = attrs.evolve(slots, codec=codec)
    urls = Urls.under(config.media_url, config.defaults_url)
    published = answers.limits(slots, config.rate_rules, config.decode_budget)
    gate = UploadGate(codec.slots, config.decode_wait)
    cross_origin = CrossOrigin(frozenset(config.cors_origins)) if config.cors_origins else None
    handlers = api_handlers(operations(slots, urls, config.rate_rules, published))
    if moderation is not None:
        moderation = attrs.evolve(moderation, slots=slots)
        handlers += [*report_handlers(), *moderator_handlers()]
    api = OptionsRouter(
        API_PATH,
        route_handlers=handlers,
        cross_origin=cross_origin,
        middleware=[config.authentication()],
        cache_control=CacheControlHeader(no_store=True),
        security=[{"bearer": []}],
        tags=["user images"],
    )
    # Images embedded by the other origins allowed to call the API must load there too.
    media = media_router(cross_origin=bool(config.cors_origins))
    max_bytes = slots.limits.max_bytes
    ours: dict[str, Any] = {
        "route_handlers": [
            api,
            media,
            health,
            *page_routes(config.media_url, config.defaults_url or config.media_url),
        ],
        "dependencies": {
            "api": _value(
                Api(
                    slots,
                    urls,
                    gate,
                    answers.encode(published),
                    config.bodies,
                    config.reader or ThreadedReader(slots.repository),
                )
            ),
            "slots": _value(slots),
            "moderation_api": _value(
                ModerationApi(moderation, urls.stored) if moderation is not None else None
            ),
        },
        "state": {"rate_rules": config.rate_rules},
        # Not Litestar's cors_config: see the cors module.
        "before_send": [docs_headers(), *([cross_origin.before_send] if cross_origin else [])],
        "exception_handlers": exception_handlers(max_bytes),
        "after_exception": [refund_unavailable],
        "request_max_body_size": max_bytes,
        # Logging belongs to the process (the CLI, or the host app embedding this one).
        "logging_config": None,
        "openapi_config": openapi_config(config.title, config.version),
        "lifespan": [],
        "on_startup": [],
        "on_shutdown": [],
    }
    ours["state"][_LIFESPAN] = functools.partial(_running, gate, config.reader)
    ours["lifespan"].append(lifespan)
    for name, value in litestar_options.items():
        if name in _MERGED:
            ours[name] = {**ours[name], **value}  # a host's own entries join ours
        elif name in _JOINED:
            ours[name] = [*ours[name], *value]  # a host's hooks run after ours
        else:
            ours[name] = value
    ours["state"] = State(ours["state"])
    return Litestar(**ours)


def lifespan(app: Litestar) -> AbstractAsyncContextManager[None]:
    """What ``app`` (from :func:`create_app`) does when it starts and stops: opens and closes the
    GET reader, and stops the uploads' pool. Litestar runs it for the app; a host that mounts
    the app runs it in its own lifespan, since Starlette runs no mounted app's::

        @asynccontextmanager
        async def host_lifespan(host):
            async with lifespan(images_app):
                yield
    """
    running: Callable[[], AbstractAsyncContextManager[None]] = app.state[_LIFESPAN]
    return running()


@contextlib.asynccontextmanager
async def _running(gate: UploadGate, reader: AsyncImageReader | None) -> AsyncIterator[None]:
    try:
        if reader is not None:
            await reader.open()
        yield
    finally:
        gate.close()
        if reader is not None:
            await reader.close()


_LIFESPAN = "imagecore_lifespan"


#: Options a host may pass that add to ours rather than replace them.
_MERGED = frozenset({"dependencies", "exception_handlers", "state"})
_JOINED = frozenset(
    {"route_handlers", "before_send", "after_exception", "lifespan", "on_startup", "on_shutdown"}
)


def _value(value: object) -> Provide:
    """A dependency that is always ``value``."""
    return Provide(lambda: value, use_cache=True, sync_to_thread=False)
