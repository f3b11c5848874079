"""Every error leaves the API as ``{"error": "<a sentence>"}``, as the framework-free web layer
answers it (:mod:`imagecore.adapters.web.errors`: the table of statuses, the sentences, the
headers); here, Litestar's own errors are worded too, and every answer sent."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.concurrency import sync_to_thread
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ExceptionHandlersMap, Scope

from imagecore import ImageCoreError
from imagecore.adapters.http.bodies import ErrorBody
from imagecore.adapters.http.limits import REFUND
from imagecore.adapters.web import edge_wording
from imagecore.adapters.web.errors import (
    ClientGone,
    ErrorAnswer,
    FormError,
    answer_to,
    not_allowed,
    refusal,
)
from imagecore.adapters.web.rates import refunded
from imagecore.errors import Abandoned, Busy

log = logging.getLogger("imagecore.http")


def exception_handlers(max_upload_bytes: int) -> ExceptionHandlersMap:
    """Handlers for the app's every exception, so that no default error body ever leaves."""

    def core_error(request: Request[Any, Any, Any], error: ImageCoreError) -> Response[ErrorBody]:
        answer = answer_to(error)
        if answer.status >= HTTP_500_INTERNAL_SERVER_ERROR and not isinstance(
            error, Busy | Abandoned
        ):
            log.error("%s %s failed: %s", request.method, request.url.path, error, exc_info=error)
        return _send(answer)

    def form_error(
        request: Request[Any, Any, Any], error: FormError | ClientGone
    ) -> Response[ErrorBody]:
        return _send(answer_to(error))

    def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[ErrorBody]:
        status = error.status_code
        headers = dict(error.headers or {})
        if status == HTTP_401_UNAUTHORIZED:
            message = error.detail  # refusal() adds the bearer challenge
        elif status == HTTP_404_NOT_FOUND:
            message = edge_wording.route_not_found(request.url.path)
        elif status == HTTP_405_METHOD_NOT_ALLOWED:
            return _send(not_allowed(request.method, headers.get("allow", "").split(",")))
        elif status == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
            message = edge_wording.upload_too_large(max_upload_bytes)
        elif isinstance(error, ValidationException):
            message = _validation_message(error)
        elif status >= HTTP_500_INTERNAL_SERVER_ERROR:
            log.error("%s %s failed", request.method, request.url.path, exc_info=error)
            message = edge_wording.INTERNAL_ERROR
        else:
            message = error.detail
        return _send(refusal(status, message, headers))

    def unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[ErrorBody]:
        log.error("%s %s failed", request.method, request.url.path, exc_info=error)
        return _send(refusal(HTTP_500_INTERNAL_SERVER_ERROR, edge_wording.INTERNAL_ERROR))

    return {
        ImageCoreError: core_error,
        FormError: form_error,
        ClientGone: form_error,
        HTTPException: http_error,
        Exception: unexpected,
    }


def _send(answer: ErrorAnswer) -> Response[ErrorBody]:
    return Response(
        ErrorBody(answer.body["error"]),
        status_code=answer.status,
        headers=dict(answer.headers),
        media_type=MediaType.JSON,
    )


def _validation_message(error: ValidationException) -> str:
    problems = []
    for item in error.extra if isinstance(error.extra, list) else []:
        if not isinstance(item, dict):
            continue
        where = item.get("key") or item.get("source")
        if where:
            problems.append(f"{where}: {item.get('message')}")
        else:
            problems.append(str(item.get("message")))
    detail = "; ".join(problems) or error.detail
    return edge_wording.invalid_request(detail)


async def refund_unavailable(error: Exception, scope: Scope) -> None:
    """After an error answered 503, take back the request's counts (see
    :func:`~imagecore.adapters.web.rates.refunded`)."""
    unavailable = refunded(error) or (
        isinstance(error, HTTPException) and error.status_code == HTTP_503_SERVICE_UNAVAILABLE
    )
    refund = scope.get("state", {}).get(REFUND)
    if unavailable and refund is not None:
        try:
            if isinstance(error, Abandoned):
                # The server is stopping: given back here, since an await could be cancelled by
                # its shutdown before the 503 is sent.
                refund()
            else:
                await sync_to_thread(refund)
        except Exception:  # the 503 is still answered; the counts stay as they are
            log.warning("could not give back a refused request's rate counts", exc_info=True)
