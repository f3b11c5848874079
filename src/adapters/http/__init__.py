"""The HTTP API of the API guide, on Litestar, with PyJWT bearer tokens.

One job per module: ``app`` assembles (``create_app``, ``HttpConfig``); ``routes`` holds the
guide's handlers; ``media`` serves the files; ``bodies`` the JSON shapes; every sentence a client
reads, and the status of every error, is the framework-free web layer's
(:mod:`imagecore.adapters.web`); ``errors`` sends those answers, and words Litestar's own errors;
``openapi`` the document's answers, ``openapi_requests`` what it reads, and
``docs`` its pages under ``/schema``; ``cors`` OPTIONS and cross-origin calls; ``auth``,
``forms``, ``limits``, ``pages`` and ``access_log`` the rest of the edge.
"""

from imagecore.adapters.http.access_log import AccessLog
from imagecore.adapters.http.app import HttpConfig, create_app, lifespan
from imagecore.adapters.http.auth import (
    InvalidToken,
    TokenPolicy,
    issue_token,
    user_id_from_token,
)
from imagecore.adapters.http.middleware import Identity

__all__ = [
    "AccessLog",
    "HttpConfig",
    "Identity",
    "InvalidToken",
    "TokenPolicy",
    "create_app",
    "issue_token",
    "lifespan",
    "user_id_from_token",
]
