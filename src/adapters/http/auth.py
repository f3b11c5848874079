"""Bearer tokens: who is asking, decided in one function with the algorithms pinned."""

from __future__ import annotations

import math
import time
from typing import Any

import attrs
import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from imagecore.adapters.web import edge_wording
from imagecore.adapters.web.signed_in import (
    DISPLAY_NAME_CLAIM,
    MODERATOR_CLAIM,
    MODERATOR_SCOPE,
    SignedIn,
    display_name,
    is_moderator,
)

HMAC_ALGORITHMS = ("HS256",)
#: The claims that are times: JSON numbers of seconds since 1970 (RFC 7519's NumericDate).
TIME_CLAIMS = ("exp", "nbf", "iat")


class InvalidToken(Exception):
    """The request carries no usable bearer token; the message says why."""


@attrs.frozen
class TokenPolicy:
    """How bearer tokens are checked.

    ``key`` is a shared secret for HS256, or a PEM public key for RS256 and ES256.
    """

    key: str = attrs.field(repr=False)
    algorithms: tuple[str, ...] = HMAC_ALGORITHMS
    issuer: str | None = None
    audience: str | None = None
    #: Seconds of clock difference forgiven when checking ``exp``, ``nbf`` and ``iat``.
    leeway: int = 30
    #: The claim that names a moderator, and the scope in it that does (see is_moderator).
    moderator_claim: str = MODERATOR_CLAIM
    moderator_scope: str = MODERATOR_SCOPE
    #: The claim holding the user's display name (initials on a default avatar).
    display_name_claim: str = DISPLAY_NAME_CLAIM

    @property
    def can_issue(self) -> bool:
        """Whether tokens can be signed with this policy's key (a secret, not a public key)."""
        return self.algorithms == HMAC_ALGORITHMS

    @classmethod
    def shared_secret(cls, secret: str, **kwargs: Any) -> TokenPolicy:
        return cls(secret, HMAC_ALGORITHMS, **kwargs)

    @classmethod
    def public_key(cls, pem: str, **kwargs: Any) -> TokenPolicy:
        """A policy for tokens signed by the private half of ``pem``: RS256 for an RSA key,
        ES256 for a P-256 key. Raises ValueError for anything else."""
        try:
            key = serialization.load_pem_public_key(pem.encode())
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise ValueError(f"not a PEM public key: {error}") from None
        if isinstance(key, rsa.RSAPublicKey):
            return cls(pem, ("RS256",), **kwargs)
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            return cls(pem, ("ES256",), **kwargs)
        raise ValueError("the public key must be RSA (for RS256) or EC P-256 (for ES256)")


class TimeNotANumber(jwt.DecodeError):
    """A time claim that is not a JSON number (PyJWT would read ``"9999999999"`` as one)."""

    def __init__(self, claim: str) -> None:
        super().__init__(claim)
        self.claim = claim


class StrictJWT(jwt.PyJWT):
    """PyJWT, with the time claims checked to be numbers before PyJWT compares them.

    PyJWT reads them with ``int()``, which takes a string of digits and ``true``; and a number
    too large for a float is no time either. ``_decode_payload`` is PyJWT's hook for subclasses:
    it runs after the signature is checked, so a forged token is still only "invalid".
    """

    def _decode_payload(self, decoded: dict[str, Any]) -> dict[str, Any]:
        payload = super()._decode_payload(decoded)
        for claim in TIME_CLAIMS:
            if claim in payload and not _is_time(payload[claim]):
                raise TimeNotANumber(claim)
        return payload


def _is_time(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


_JWT = StrictJWT()


@attrs.frozen
class Verified:
    """A token whose signature and claims were checked, and the times that bound its validity."""

    user_id: str
    expires: float
    not_before: float | None
    moderator: bool = False
    display_name: str | None = None

    @property
    def signed_in(self) -> SignedIn:
        return SignedIn(self.user_id, self.moderator, self.display_name)


def user_id_from_token(token: str, policy: TokenPolicy) -> str:
    """The user a valid access token speaks for.

    The user is the ``sub`` claim, or ``user_id`` for tokens of djangorestframework-simplejwt,
    which have no ``sub``; a simplejwt refresh token is not an access token and is refused.
    """
    return verify(token, policy).user_id


def verify(token: str, policy: TokenPolicy) -> Verified:
    """Checks the token as :func:`user_id_from_token` describes; raises InvalidToken."""
    try:
        claims = _JWT.decode(
            token,
            policy.key,
            algorithms=list(policy.algorithms),
            issuer=policy.issuer,
            audience=policy.audience,
            leeway=policy.leeway,
            options={"require": ["exp"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken(edge_wording.TOKEN_EXPIRED) from error
    except TimeNotANumber as error:
        raise InvalidToken(edge_wording.time_not_a_number(error.claim)) from error
    except jwt.MissingRequiredClaimError as error:
        raise InvalidToken(edge_wording.missing_claim(error.claim)) from error
    except (jwt.InvalidIssuerError, jwt.InvalidAudienceError) as error:
        raise InvalidToken(edge_wording.not_issued_here(error)) from error
    except jwt.PyJWTError as error:
        # Includes InvalidKeyError, which a token naming an algorithm of another key type raises.
        raise InvalidToken(edge_wording.TOKEN_INVALID) from error
    if claims.get("token_type", "access") != "access":
        raise InvalidToken(edge_wording.NOT_AN_ACCESS_TOKEN)
    user = claims.get("sub", claims.get("user_id"))
    if isinstance(user, bool) or not isinstance(user, str | int) or str(user) == "":
        raise InvalidToken(edge_wording.NO_USER)
    if isinstance(user, str) and not _is_text(user):
        raise InvalidToken(edge_wording.USER_NOT_TEXT)
    not_before = claims.get("nbf")
    return Verified(
        str(user),
        float(claims["exp"]),
        float(not_before) if isinstance(not_before, int | float) else None,
        is_moderator(claims, policy.moderator_claim, policy.moderator_scope),
        display_name(claims, policy.display_name_claim),
    )


def _is_text(value: str) -> bool:
    """Whether ``value`` is text that can be written (JSON's ``"\\ud800"`` is a lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class VerifiedTokens:
    """Remembers recently verified tokens, so a client's next request skips the signature check.

    Only the signature is skipped: the validity period is checked on every use, with the same
    leeway and the same messages as a full check. Bounded, oldest forgotten first; used from one
    event loop, so it needs no lock.
    """

    def __init__(self, policy: TokenPolicy, size: int = 4096) -> None:
        self.policy = policy
        self.size = size
        self._verified: dict[str, Verified] = {}

    def user_id(self, token: str, now: float | None = None) -> str:
        return self.signed_in(token, now).user_id

    def signed_in(self, token: str, now: float | None = None) -> SignedIn:
        now = time.time() if now is None else now
        known = self._verified.get(token)
        if known is not None:
            if now >= known.expires + self.policy.leeway:
                del self._verified[token]
                raise InvalidToken(edge_wording.TOKEN_EXPIRED)
            if known.not_before is not None and now < known.not_before - self.policy.leeway:
                raise InvalidToken(edge_wording.TOKEN_INVALID)
            return known.signed_in
        verified = verify(token, self.policy)
        if len(self._verified) >= self.size:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = verified
        return verified.signed_in


def token_from_header(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not authorization:
        raise InvalidToken(edge_wording.NO_CREDENTIALS)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken(edge_wording.NOT_BEARER)
    return token.strip()


def issue_token(
    subject: str,
    policy: TokenPolicy,
    *,
    ttl: int,
    now: float | None = None,
    moderator: bool = False,
    name: str | None = None,
) -> str:
    """A signed access token for ``subject`` that ``policy`` accepts for ``ttl`` seconds; a
    ``moderator``'s carries the policy's moderator scope, and ``name`` goes in the policy's
    display name claim."""
    if not policy.can_issue:
        raise ValueError("tokens can only be issued with a shared secret, not a public key")
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {"sub": subject, "iat": issued, "exp": issued + ttl}
    if moderator:
        claims[policy.moderator_claim] = policy.moderator_scope
    if name is not None:
        claims[policy.display_name_claim] = name
    if policy.issuer is not None:
        claims["iss"] = policy.issuer
    if policy.audience is not None:
        claims["aud"] = policy.audience
    return jwt.encode(claims, policy.key, algorithm=policy.algorithms[0])
