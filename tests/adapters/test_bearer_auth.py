"""Bearer tokens: what is accepted, what is refused, and why."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from imagecore.adapters.http.auth import (
    InvalidToken,
    TokenPolicy,
    VerifiedTokens,
    issue_token,
    token_from_header,
    user_id_from_token,
)

SECRET = "s" * 64
POLICY = TokenPolicy.shared_secret(SECRET)


def signed(
    claims: dict[str, Any], key: str = SECRET, algorithm: str = "HS256", **headers: Any
) -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers or None)


def later(seconds: int = 600) -> int:
    return int(time.time()) + seconds


def test_sub_is_the_user() -> None:
    """A token with sub and exp speaks for the user named by sub."""
    assert user_id_from_token(signed({"sub": "alice", "exp": later()}), POLICY) == "alice"


def test_simplejwt_access_tokens_work() -> None:
    """A djangorestframework-simplejwt access token (user_id, token_type, jti, no sub) works."""
    claims = {
        "token_type": "access",
        "exp": later(),
        "iat": int(time.time()),
        "jti": "abc",
        "user_id": 123,
    }
    assert user_id_from_token(signed(claims), POLICY) == "123"


def test_simplejwt_refresh_tokens_are_refused() -> None:
    """A refresh token is not an access token."""
    claims = {"token_type": "refresh", "exp": later(), "user_id": 123}
    with pytest.raises(InvalidToken, match="not an access token"):
        user_id_from_token(signed(claims), POLICY)


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"sub": "alice"}, "no 'exp' claim"),
        ({"sub": "alice", "exp": later(-3600)}, "expired"),
        ({"exp": later()}, "names no user"),
        ({"user_id": "", "exp": later()}, "names no user"),
        ({"user_id": None, "exp": later()}, "names no user"),
        ({"user_id": True, "exp": later()}, "names no user"),
        ({"user_id": {"id": 1}, "exp": later()}, "names no user"),
        ({"sub": "alice", "exp": later(), "nbf": later(3600)}, "invalid"),
    ],
)
def test_tokens_without_a_valid_user_or_lifetime_are_refused(
    claims: dict[str, Any], message: str
) -> None:
    """exp is required and checked; a user id must be present and a string or number."""
    with pytest.raises(InvalidToken, match=message):
        user_id_from_token(signed(claims), POLICY)


def test_a_wrong_signature_is_refused() -> None:
    """A token signed with another secret is refused."""
    with pytest.raises(InvalidToken, match="invalid"):
        user_id_from_token(signed({"sub": "a", "exp": later()}, key="t" * 64), POLICY)


def test_the_none_algorithm_is_refused() -> None:
    """An unsigned token (alg none) is refused: the algorithms are pinned."""
    token = jwt.encode({"sub": "a", "exp": later()}, None, algorithm="none")
    with pytest.raises(InvalidToken):
        user_id_from_token(token, POLICY)


def test_other_hmac_algorithms_are_refused() -> None:
    """HS512 signed with the right secret is still refused: only HS256 is allowed."""
    with pytest.raises(InvalidToken):
        user_id_from_token(signed({"sub": "a", "exp": later()}, algorithm="HS512"), POLICY)


def pem_pair(kind: str) -> tuple[str, str]:
    key = (
        rsa.generate_private_key(65537, 2048)
        if kind == "RS256"
        else ec.generate_private_key(ec.SECP256R1())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_public_key_tokens(algorithm: str) -> None:
    """With a public key, RS256 and ES256 tokens signed by its private key are accepted."""
    private, public = pem_pair(algorithm)
    policy = TokenPolicy.public_key(public)
    token = signed({"sub": "bob", "exp": later()}, key=private, algorithm=algorithm)
    assert user_id_from_token(token, policy) == "bob"


def test_a_token_for_another_key_type_is_refused_not_crashed() -> None:
    """An ES256 token against an RSA key is an invalid token (PyJWT raises InvalidKeyError)."""
    private, _ = pem_pair("ES256")
    policy = TokenPolicy.public_key(pem_pair("RS256")[1])
    token = signed({"sub": "x", "exp": later()}, key=private, algorithm="ES256")
    with pytest.raises(InvalidToken, match="invalid"):
        user_id_from_token(token, policy)


def _p384() -> str:
    key = ec.generate_private_key(ec.SECP384R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        ("-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n", "not a PEM"),
        (_p384(), "RSA .for RS256. or EC P-256"),
    ],
)
def test_unusable_public_keys_are_refused_up_front(pem: str, message: str) -> None:
    """A key that is not RSA or P-256 is refused when the policy is made, not per request."""
    with pytest.raises(ValueError, match=message):
        TokenPolicy.public_key(pem)


def test_a_public_key_policy_refuses_hmac_tokens_made_with_the_key_text() -> None:
    """The classic confusion attack (HS256 signed with the public key's text) is refused."""
    _, public = pem_pair("RS256")
    policy = TokenPolicy.public_key(public)
    forged = jwt.api_jws.PyJWS(algorithms=["HS256"])
    forged._algorithms["HS256"].prepare_key = lambda key: key.encode()  # type: ignore[method-assign]
    token = forged.encode(b'{"sub":"admin","exp":%d}' % later(), public, algorithm="HS256")
    with pytest.raises(InvalidToken):
        user_id_from_token(token, policy)


def test_issuer_and_audience_are_checked_when_set() -> None:
    """With an issuer and audience configured, tokens must carry both, matching."""
    policy = TokenPolicy.shared_secret(SECRET, issuer="https://auth.example", audience="imagecore")
    good = {"sub": "a", "exp": later(), "iss": "https://auth.example", "aud": "imagecore"}
    assert user_id_from_token(signed(good), policy) == "a"
    for bad in ({**good, "iss": "https://evil.example"}, {**good, "aud": "other"}):
        with pytest.raises(InvalidToken, match="not issued for this service"):
            user_id_from_token(signed(bad), policy)
    with pytest.raises(InvalidToken, match="no 'iss' claim"):
        user_id_from_token(signed({"sub": "a", "exp": later(), "aud": "imagecore"}), policy)


def test_issued_tokens_are_accepted_until_they_expire() -> None:
    """issue_token makes tokens the same policy accepts, with the asked lifetime."""
    token = issue_token("carol", POLICY, ttl=60)
    assert user_id_from_token(token, POLICY) == "carol"
    old = issue_token("carol", POLICY, ttl=60, now=time.time() - 3600)
    with pytest.raises(InvalidToken, match="expired"):
        user_id_from_token(old, POLICY)


def test_tokens_cannot_be_issued_with_a_public_key() -> None:
    """Only a shared secret can sign."""
    _, public = pem_pair("ES256")
    with pytest.raises(ValueError, match="public key"):
        issue_token("x", TokenPolicy.public_key(public), ttl=60)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authentication required"),
        ("", "Authentication required"),
        ("Basic dXNlcjpwYXNz", "must be 'Bearer <token>'"),
        ("Bearer", "must be 'Bearer <token>'"),
        ("Bearer   ", "must be 'Bearer <token>'"),
    ],
)
def test_malformed_authorization_headers(header: str | None, message: str) -> None:
    """Only 'Bearer <token>' is read, and a missing header says what to send."""
    with pytest.raises(InvalidToken, match=message):
        token_from_header(header)


def test_the_scheme_is_case_insensitive() -> None:
    """'bearer' and 'BEARER' work like 'Bearer'."""
    assert token_from_header("bearer abc") == "abc"
    assert token_from_header("BEARER abc") == "abc"


def test_a_remembered_token_is_still_refused_once_it_expires() -> None:
    """The cache skips the signature check, never the clock."""
    tokens = VerifiedTokens(POLICY)
    start = time.time()
    token = issue_token("dora", POLICY, ttl=60, now=start)
    assert tokens.user_id(token, now=start + 10) == "dora"
    assert tokens.user_id(token, now=start + 80) == "dora"  # within the 30 s leeway
    with pytest.raises(InvalidToken, match="expired"):
        tokens.user_id(token, now=start + 100)


def test_a_remembered_token_respects_not_before() -> None:
    """A token verified inside its window is refused before the window opens."""
    tokens = VerifiedTokens(POLICY)
    token = signed({"sub": "eve", "exp": later(600), "nbf": now() + 5})
    assert tokens.user_id(token) == "eve"  # nbf within the leeway
    with pytest.raises(InvalidToken):
        tokens.user_id(token, now=now() - 3600)


def test_the_remembered_tokens_are_bounded() -> None:
    """The oldest are forgotten first; a forgotten token is simply verified again."""
    tokens = VerifiedTokens(POLICY, size=2)
    issued = [issue_token(f"u{n}", POLICY, ttl=60) for n in range(3)]
    assert [tokens.user_id(token) for token in issued] == ["u0", "u1", "u2"]
    assert len(tokens._verified) == 2
    assert tokens.user_id(issued[0]) == "u0"


def now() -> int:
    return int(time.time())
