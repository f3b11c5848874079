"""Who is a moderator, as a token's claims say it, and as a host's SignedIn says it."""

from __future__ import annotations

from typing import Any

import pytest

from imagecore.adapters.web.signed_in import MODERATOR_SCOPE, SignedIn, is_moderator


@pytest.mark.parametrize(
    ("claims", "claim", "moderator"),
    [
        ({"scope": "read imagecore:moderate"}, "scope", True),
        ({"scope": "imagecore:moderate"}, "scope", True),
        ({"scp": ["read", "imagecore:moderate"]}, "scp", True),
        ({"is_staff": True}, "is_staff", True),
        ({"scope": "read imagecore:moderator"}, "scope", False),  # a longer word
        ({"scope": "read,imagecore:moderate"}, "scope", False),  # not space-separated
        ({"scope": "imagecore:moderate"}, "scp", False),  # another claim
        ({"scope": True}, "scope", False),  # a list of scopes that is no list
        ({"scp": True}, "scp", False),
        ({"is_staff": "true"}, "is_staff", False),
        ({"is_staff": 1}, "is_staff", False),
        ({"scope": {"imagecore:moderate": True}}, "scope", False),
        ({"scope": [["imagecore:moderate"]]}, "scope", False),
        ({}, "scope", False),
    ],
)
def test_a_moderator_is_named_by_the_claim_and_nothing_else(
    claims: dict[str, Any], claim: str, moderator: bool
) -> None:
    assert is_moderator(claims, claim, MODERATOR_SCOPE) is moderator


@pytest.mark.parametrize("flag", ["false", 0, 1, None])
def test_a_host_s_moderator_flag_must_be_a_bool(flag: object) -> None:
    with pytest.raises(TypeError):
        SignedIn("alice", flag)  # type: ignore[arg-type]
    assert SignedIn("alice").moderator is False
