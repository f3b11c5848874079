"""The HTTP API of the API guide, on Litestar, with PyJWT bearer tokens.

One job per module: ``app`` assembles (``create_app``, ``HttpConfig``); ``routes`` holds the
guide's handlers; ``media`` serves the files; ``bodies`` the JSON shapes; ``wording`` every
sentence a client reads; ``errors`` the one table of statuses; ``openapi`` the document and
``docs`` its pages under ``/schema``; ``cors`` OPTIONS and cross-origin calls; ``auth``,
``forms``, ``limits``, ``pages`` and ``access_log`` the rest of the edge.
"""

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
