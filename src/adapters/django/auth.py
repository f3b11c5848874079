"""Who asks: ``request.user``, as the project's own authentication says it.

With Django REST framework installed, its authentication classes decide (session, token,
djangorestframework-simplejwt, as ``REST_FRAMEWORK`` lists them), and its session
authentication checks the CSRF token. Without it, Django's session does, and a signed-in
session's request that changes something must carry its CSRF token.

Either way the token is read from the ``X-CSRFToken`` header (``CSRF_HEADER_NAME``) alone:
Django's check would look in the form first, parsing the whole upload (to disk, past every
limit) before a byte of it is judged; here the body is read once, by the API, within them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.datastructures import MultiValueDict

from imagecore.adapters.django.conf import setting
from imagecore.adapters.web.errors import Forbidden, NotSignedIn
from imagecore.adapters.web.signed_in import Caller

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def caller(request: HttpRequest) -> Caller:
    """The signed-in user and where the request comes from; NotSignedIn or Forbidden else."""
    chosen = setting("AUTHENTICATION") or (
        "drf" if apps.is_installed("rest_framework") else "session"
    )
    user = _drf_user(request) if chosen == "drf" else _session_user(request)
    if user is None or not user.is_authenticated:
        raise NotSignedIn()
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    full_name = getattr(user, "get_full_name", lambda: "")()
    return Caller(
        str(user.pk),
        request.META.get("REMOTE_ADDR"),
        [forwarded] if forwarded else [],
        display_name=full_name or None,
    )


def _drf_user(request: HttpRequest) -> Any:
    from rest_framework import exceptions
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    authenticators = [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    wrapped = Request(request, authenticators=authenticators)
    # The form, as DRF's session authentication's CSRF check would read it: empty (see above).
    wrapped._data, wrapped._files = QueryDict(), MultiValueDict()
    wrapped._full_data = wrapped._data
    try:
        return wrapped.user
    except exceptions.PermissionDenied as refused:  # a session's request without its CSRF token
        raise Forbidden(str(refused.detail)) from None
    except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed) as refused:
        raise NotSignedIn(str(refused.detail)) from None


def _session_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and request.method not in SAFE_METHODS:
        reason = _CsrfCheck(lambda request: None).process_view(_Unparsed(request), None, (), {})
        if reason is not None:
            raise Forbidden(f"CSRF check failed: {reason}")
    return user


class _Unparsed:
    """``request``, with an empty form: what the CSRF check reads of it (see above)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self.POST = QueryDict()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_request", "POST"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._request, name, value)


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, giving the reason of a refusal rather than a page."""

    def _reject(self, request: HttpRequest, reason: str) -> Any:
        return reason
