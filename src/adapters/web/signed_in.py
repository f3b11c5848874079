"""Who asks, as the host says: a user, whether they are a moderator, and from where."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from imagecore.model import Owner


@attrs.frozen
class Caller:
    """Who asks, and from where: the user id the host vouches for, the peer's address and the
    request's X-Forwarded-For header values (read only behind trusted proxies)."""

    user: str
    peer: str | None = None
    forwarded_for: Sequence[str] = ()
    #: The name the host shows for the user, for initials on a default avatar of their own.
    display_name: str | None = None

    @property
    def owner(self) -> Owner:
        return Owner(self.user, self.display_name)


#: The claim, and the scope in it, that name a moderator unless a host says otherwise.
MODERATOR_CLAIM = "scope"
MODERATOR_SCOPE = "imagecore:moderate"


@attrs.frozen
class SignedIn:
    """A signed-in user; ``moderator`` if the host counts them one (a token's scope, a staff
    flag): only then do the moderation routes answer them."""

    user_id: str = attrs.field(validator=attrs.validators.instance_of(str))
    #: Strictly a bool: a host's "false" or 0 must not pass for a moderator.
    moderator: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    #: The name the host shows for the user: initials on a default avatar are drawn from it.
    display_name: str | None = None


#: The claim a display name is read from unless a host says otherwise (OpenID Connect's).
DISPLAY_NAME_CLAIM = "name"
#: Claims that list scopes: ``true`` in one of them names nothing.
SCOPE_CLAIMS = frozenset({"scope", "scp"})


def display_name(claims: Mapping[str, Any], claim: str) -> str | None:
    """The display name ``claim`` holds, if it is text."""
    value = claims.get(claim)
    return value if isinstance(value, str) and value.strip() else None


def is_moderator(claims: Mapping[str, Any], claim: str, scope: str) -> bool:
    """Whether ``claims`` name a moderator: ``claim`` is a space-separated string (OAuth's
    ``scope``) or a list of strings (``scp``, ``roles``) holding ``scope``, or, for a claim
    that is not a list of scopes, ``true`` (a flag such as ``is_staff``)."""
    value = claims.get(claim)
    if value is True:
        return claim not in SCOPE_CLAIMS
    if isinstance(value, str):
        return scope in value.split()
    if isinstance(value, list):
        return scope in value
    return False
