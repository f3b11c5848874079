"""The moderation routes: a user's report, and the moderators' own routes (the queue,
takedowns, dismissals, a user's history, the blocklist), which answer moderators only.

Every moderator route is made by one function that gives each the same guard, and a test
walks the app's routes to check that every one under ``moderation/`` refuses a user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from litestar import MediaType, Request, Response, delete, get, post
from litestar.concurrency import sync_to_thread
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.params import FromQuery
from litestar.status_codes import HTTP_200_OK

from imagecore.adapters.http.forms import read_bounded
from imagecore.adapters.web import moderation as bodies
from imagecore.adapters.web.answers import Body
from imagecore.adapters.web.errors import FormError
from imagecore.adapters.web.signed_in import SignedIn
from imagecore.audit import Actor
from imagecore.moderation import Moderation, hash_list, parse_hash_list, parse_hashes

REPORTS = "/reports"
MODERATION = "/moderation"
#: What a signed-in user who is no moderator reads on a moderator's route.
MODERATORS_ONLY = "Only moderators may do this."


@attrs.frozen
class ModerationApi:
    """What the moderation handlers work with: the use cases, and where images are served."""

    moderation: Moderation
    #: An upload's URL, by its key.
    media_url: Callable[[str], str]


def moderators_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    who = connection.auth
    if not (isinstance(who, SignedIn) and who.moderator):
        raise PermissionDeniedException(detail=MODERATORS_ONLY)


def _json(body: Body) -> Response[Body]:
    return Response(body, media_type=MediaType.JSON)


def _moderator(request: Request[str, Any, Any]) -> Actor:
    return Actor.moderator(request.user)


async def report_image(
    request: Request[str, Any, Any], moderation_api: NamedDependency[ModerationApi]
) -> Response[Body]:
    about = bodies.about_image(await read_bounded(request, bodies.MAX_REQUEST_BODY), reason=True)
    await sync_to_thread(
        moderation_api.moderation.report,
        request.user,
        about.user,
        about.slot,
        about.reason,
        about.note,
        about.key,
    )
    return _json(bodies.reported())


async def open_reports(moderation_api: NamedDependency[ModerationApi]) -> Response[Body]:
    moderation = moderation_api.moderation

    def read() -> Body:
        reported = moderation.queue()
        owners = {image.owner for image in reported}
        current = {owner: moderation.slots.current(owner) for owner in owners}
        return bodies.queue(reported, current, moderation_api.media_url)

    return _json(await sync_to_thread(read))


async def take_down(
    request: Request[str, Any, Any], moderation_api: NamedDependency[ModerationApi]
) -> Response[Body]:
    about = bodies.about_image(await read_bounded(request, bodies.MAX_REQUEST_BODY), reason=True)
    await sync_to_thread(
        moderation_api.moderation.take_down,
        about.user,
        about.slot,
        about.reason,
        _moderator(request),
        about.key,
    )
    return _json(bodies.taken_down(about.user, about.slot))


async def dismiss(
    request: Request[str, Any, Any], moderation_api: NamedDependency[ModerationApi]
) -> Response[Body]:
    about = bodies.about_image(await read_bounded(request, bodies.MAX_REQUEST_BODY), reason=False)
    closed = await sync_to_thread(
        moderation_api.moderation.dismiss,
        about.user,
        about.slot,
        _moderator(request),
        about.note,
        about.key,
    )
    return _json(bodies.dismissed(about.user, about.slot, closed))


async def user_history(
    moderation_api: NamedDependency[ModerationApi], user: FromQuery[str | None] = None
) -> Response[Body]:
    if not user:
        raise FormError("Name the user whose history to show: ?user=<their id>.")
    records = await sync_to_thread(moderation_api.moderation.history, user)
    return _json(bodies.history(user, records))


async def export_blocklist(moderation_api: NamedDependency[ModerationApi]) -> Response[str]:
    blocklist = moderation_api.moderation.slots.blocklist
    text = "" if blocklist is None else await sync_to_thread(hash_list, blocklist.entries())
    return Response(text, media_type=MediaType.TEXT)


async def import_blocklist(
    request: Request[str, Any, Any], moderation_api: NamedDependency[ModerationApi]
) -> Response[Body]:
    text = bodies.hash_list_text(await read_bounded(request, bodies.MAX_HASH_LIST))
    entries = await sync_to_thread(parse_hash_list, text, f"imported by moderator {request.user}")
    added = await sync_to_thread(
        moderation_api.moderation.block, entries, _moderator(request), "imported over the API"
    )
    return _json(bodies.blocklist_changed("added", added))


async def unblock(
    request: Request[str, Any, Any], moderation_api: NamedDependency[ModerationApi]
) -> Response[Body]:
    given = request.query_params.getall("hash", [])
    if not given:
        raise FormError("Name the hashes to remove: ?hash=<64 hex digits>, once for each.")
    hashes = parse_hashes("\n".join(given))
    removed = await sync_to_thread(moderation_api.moderation.unblock, hashes, _moderator(request))
    return _json(bodies.blocklist_changed("removed", removed))


def report_handlers() -> list[HTTPRouteHandler]:
    """The route every signed-in user may use: reporting another user's image."""
    return [post(REPORTS, status_code=HTTP_200_OK, include_in_schema=False)(report_image)]


def moderator_handlers() -> list[HTTPRouteHandler]:
    """The moderators' routes, each behind the same guard."""
    blocklist = MODERATION + "/blocklist"
    # Out of /schema, which documents the guide's contract: docs/moderation.md has these.
    only: dict[str, Any] = {"guards": [moderators_only], "include_in_schema": False}
    done: dict[str, Any] = {**only, "status_code": HTTP_200_OK}
    return [
        get(MODERATION + "/reports", **only)(open_reports),
        post(MODERATION + "/takedowns", **done)(take_down),
        post(MODERATION + "/dismissals", **done)(dismiss),
        get(MODERATION + "/history", **only)(user_history),
        get(blocklist, **only)(export_blocklist),
        post(blocklist, **done)(import_blocklist),
        delete(blocklist, **done)(unblock),
    ]
