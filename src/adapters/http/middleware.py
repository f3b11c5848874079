"""Who asks, told to Litestar: the middlewares that set ``request.user`` (and ``request.auth``,
a SignedIn) from a bearer token or a host's own identity callable, before the body is read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from imagecore.adapters.http.auth import (
    InvalidToken,
    TokenPolicy,
    VerifiedTokens,
    token_from_header,
)
from imagecore.adapters.web import edge_wording
from imagecore.adapters.web.errors import Forbidden, NotSignedIn
from imagecore.adapters.web.signed_in import SignedIn

#: A host's own way of telling who asks: the user id of a request's connection (or a SignedIn,
#: to say that they are a moderator), or None for nobody signed in (answered 401; or it raises
#: NotSignedIn, saying why, or Forbidden, a 403). It may read the host's session, cookies, or
#: headers.
Identity = Callable[[ASGIConnection[Any, Any, Any, Any]], Awaitable[str | SignedIn | None]]


class IdentityMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` to what the host's identity callable says, or answers 401 before
    the body is read."""

    def __init__(self, app: ASGIApp, identity: Identity, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.identity = identity

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        try:
            user_id = await self.identity(connection)
        except NotSignedIn as refused:  # the host's sign-in, saying why
            raise NotAuthorizedException(detail=str(refused)) from None
        except Forbidden as refused:
            raise PermissionDeniedException(detail=str(refused)) from None
        if user_id is None:
            raise NotAuthorizedException(detail=edge_wording.NOT_SIGNED_IN)
        who = user_id if isinstance(user_id, SignedIn) else SignedIn(user_id)
        return AuthenticationResult(user=who.user_id, auth=who)


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` to the user id, or answers 401 before the body is read."""

    def __init__(self, app: ASGIApp, policy: TokenPolicy, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.tokens = VerifiedTokens(policy)

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        try:
            token = token_from_header(connection.headers.get("authorization"))
            who = self.tokens.signed_in(token)
        except InvalidToken as error:
            raise NotAuthorizedException(detail=str(error)) from None
        return AuthenticationResult(user=who.user_id, auth=who)
