"""Who asks: ``request.user``, as the project's own authentication says it.

With Django REST framework installed, its authentication classes decide (session, token,
djangorestframework-simplejwt, as ``REST_FRAMEWORK`` lists them), and its session
authentication checks the CSRF token. Without it, Django's session does, and a signed-in
session's request that changes something must carry its CSRF token, as a form would.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware

from imagecore.adapters.web.api import Caller
from imagecore.adapters.web.errors import Forbidden, NotSignedIn

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def caller(request: HttpRequest) -> Caller:
    """The signed-in user and where the request comes from; NotSignedIn or Forbidden else."""
    user = _drf_user(request) if apps.is_installed("rest_framework") else _session_user(request)
    if user is None or not user.is_authenticated:
        raise NotSignedIn()
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return Caller(str(user.pk), request.META.get("REMOTE_ADDR"), [forwarded] if forwarded else [])


def _drf_user(request: HttpRequest) -> Any:
    from rest_framework import exceptions
    from rest_framework.request import Request
    from rest_framework.settings import api_settings

    authenticators = [auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    try:
        return Request(request, authenticators=authenticators).user
    except exceptions.PermissionDenied as refused:  # a session's request without its CSRF token
        raise Forbidden(str(refused.detail)) from None
    except exceptions.APIException as refused:
        raise NotSignedIn(str(refused.detail)) from None


def _session_user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and request.method not in SAFE_METHODS:
        reason = _CsrfCheck(lambda request: None).process_view(request, None, (), {})
        if reason is not None:
            raise Forbidden(f"CSRF check failed: {reason}")
    return user


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, giving the reason of a refusal rather than a page."""

    def _reject(self, request: HttpRequest, reason: str) -> Any:
        return reason
