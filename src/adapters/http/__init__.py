"""The HTTP API of the API guide, on Litestar, with PyJWT bearer tokens."""

from imagecore.adapters.http.access_log import AccessLog
from imagecore.adapters.http.app import HttpConfig, create_app
from imagecore.adapters.http.auth import InvalidToken, TokenPolicy, issue_token, user_id_from_token

__all__ = [
    "AccessLog",
    "HttpConfig",
    "InvalidToken",
    "TokenPolicy",
    "create_app",
    "issue_token",
    "user_id_from_token",
]
