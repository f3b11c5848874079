"""Who asks, as the host says: a user, and whether they are a moderator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

#: The claim, and the scope in it, that name a moderator unless a host says otherwise.
MODERATOR_CLAIM = "scope"
MODERATOR_SCOPE = "imagecore:moderate"


@attrs.frozen
class Caller:
    """A signed-in user; ``moderator`` if the host counts them one (a token's scope, a staff
    flag): only then do the moderation routes answer them."""

    user_id: str
    moderator: bool = False


def is_moderator(claims: Mapping[str, Any], claim: str, scope: str) -> bool:
    """Whether ``claims`` name a moderator: ``claim`` is a space-separated string (OAuth's
    ``scope``) or a list of strings (``scp``, ``roles``) holding ``scope``, or is ``true`` (a
    flag such as ``is_staff``)."""
    value = claims.get(claim)
    if value is True:
        return True
    if isinstance(value, str):
        return scope in value.split()
    if isinstance(value, list):
        return scope in value
    return False
