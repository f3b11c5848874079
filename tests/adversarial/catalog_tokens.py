"""The catalog's hostile tokens: forged, misdirected, expired, or with claims of the wrong kind."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.adversarial.hostile import Hostile, Send, get_as, get_with
from tests.adversarial.support import Target, now, token
from tests.http.support import API, SECRET

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PUBLIC = (
    RSA_KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def key_confusion(t: Target) -> httpx.Response:
    # HS256 "signed" with the text of the RS256 public key the server trusts.
    signing = jwt.api_jws.PyJWS(algorithms=["HS256"])
    signing._algorithms["HS256"].prepare_key = lambda key: key.encode()  # type: ignore[method-assign]
    payload = json.dumps({"sub": "123", "exp": now() + 600}).encode()
    forged = signing.encode(payload, RSA_PUBLIC, algorithm="HS256")
    client = t.app_with(jwt_public_key=RSA_PUBLIC, jwt_secret=None)
    return client.get(API, headers={"Authorization": f"Bearer {forged}"})


def with_issuer(claims: dict[str, Any]) -> Send:
    def send(t: Target) -> httpx.Response:
        client = t.app_with(jwt_issuer="https://auth.example.com", jwt_audience="images")
        return client.get(API, headers={"Authorization": f"Bearer {token(claims)}"})

    return send


def tampered(t: Target) -> httpx.Response:
    header, _, signature = token().split(".")
    payload = base64.urlsafe_b64encode(json.dumps({"sub": "456", "exp": now() + 600}).encode())
    forged = ".".join([header, payload.decode().rstrip("="), signature])
    return t.client.get(API, headers={"Authorization": f"Bearer {forged}"})


def signed(claims: dict[str, Any]) -> Send:
    """A GET with a token of ``claims`` alone (no ``sub`` added), valid for ten minutes."""

    def send(t: Target) -> httpx.Response:
        made = jwt.encode({"exp": now() + 600, **claims}, SECRET)
        return t.client.get(API, headers={"Authorization": f"Bearer {made}"})

    return send


TOKENS = [
    Hostile(
        "alg none is refused",
        get_with(f"Bearer {token(key=None, algorithm='none')}"),
        401,
        "invalid",
    ),
    Hostile(
        "HS256 signed with the server's RS256 public key is refused", key_confusion, 401, "invalid"
    ),
    Hostile(
        "HS512 is outside the allow-list", get_as(key=SECRET * 2, algorithm="HS512"), 401, "invalid"
    ),
    Hostile(
        "RS256 is refused where HS256 is configured",
        get_as(key=RSA_KEY, algorithm="RS256"),
        401,
        "invalid",
    ),
    Hostile(
        "expired 31 s ago, beyond the 30 s leeway",
        get_as(lambda: {"exp": now() - 31}),
        401,
        "expired",
    ),
    Hostile("expired an hour ago", get_as(lambda: {"exp": now() - 3600}), 401, "expired"),
    Hostile(
        "expired 10 s ago, within the leeway, is accepted", get_as(lambda: {"exp": now() - 10}), 200
    ),
    Hostile("not valid for 60 s more (nbf)", get_as(lambda: {"nbf": now() + 60}), 401, "invalid"),
    Hostile(
        "valid in 10 s (nbf), within the leeway, is accepted",
        get_as(lambda: {"nbf": now() + 10}),
        200,
    ),
    Hostile(
        "issued in the future beyond the leeway (iat)",
        get_as(lambda: {"iat": now() + 3600}),
        401,
        "invalid",
    ),
    Hostile(
        "no exp", get_with(f"Bearer {jwt.encode({'sub': '123'}, SECRET)}"), 401, "no 'exp' claim"
    ),
    Hostile(
        "no user id",
        # Made as it is sent: made at import, it expired in a run longer than a minute.
        lambda t: get_with(f"Bearer {jwt.encode({'exp': now() + 60}, SECRET)}")(t),
        401,
        "names no user",
    ),
    Hostile("an empty user id", get_as({"sub": ""}), 401, "names no user"),
    Hostile(
        "a wrong issuer",
        with_issuer({"iss": "https://evil.example.com", "aud": "images"}),
        401,
        "not issued for this service",
    ),
    Hostile(
        "a prefix of the issuer",
        with_issuer({"iss": "https://auth.example", "aud": "images"}),
        401,
        "not issued for this service",
    ),
    Hostile(
        "the issuer with a trailing slash",
        with_issuer({"iss": "https://auth.example.com/", "aud": "images"}),
        401,
        "not issued for this service",
    ),
    Hostile(
        "no issuer where one is required", with_issuer({"aud": "images"}), 401, "no 'iss' claim"
    ),
    Hostile(
        "a wrong audience",
        with_issuer({"iss": "https://auth.example.com", "aud": "billing"}),
        401,
        "not issued for this service",
    ),
    Hostile(
        "a prefix of the audience",
        with_issuer({"iss": "https://auth.example.com", "aud": "image"}),
        401,
        "not issued for this service",
    ),
    Hostile("a tampered payload", tampered, 401, "invalid"),
    Hostile(
        "signed with another secret",
        get_as(key="another-secret-of-enough-length-000"),
        401,
        "invalid",
    ),
    Hostile(
        "a simplejwt refresh token",
        get_as({"token_type": "refresh", "user_id": 123}),
        401,
        "not an access token",
    ),
    Hostile(
        "a token only in the query string",
        lambda t: t.client.get(f"{API}?token={token()}&access_token={token()}"),
        401,
        "Authentication required",
    ),
    Hostile(
        "a token only in a cookie",
        lambda t: t.client.get(API, headers={"Cookie": f"token={token()}; access_token={token()}"}),
        401,
        "Authentication required",
    ),
    Hostile("a 64 KB Authorization header", get_with("Bearer " + "A" * 65536), 401, "invalid"),
    Hostile(
        "Basic credentials", get_with("Basic YWRtaW46YWRtaW4="), 401, "must be 'Bearer <token>'"
    ),
    Hostile("an empty Bearer", get_with("Bearer "), 401, "must be 'Bearer <token>'"),
    Hostile("two tokens in one header", get_with(f"Bearer {token()} {token()}"), 401, "invalid"),
    # Claims of the wrong kind: times that are not numbers, users that are not text.
    Hostile(
        "exp as a string of digits",
        get_as({"exp": "9999999999"}),
        401,
        "'exp' claim must be a number",
    ),
    Hostile(
        "nbf as a string", get_as(lambda: {"nbf": str(now() - 60)}), 401, "'nbf' claim must be"
    ),
    Hostile("iat as a string", get_as(lambda: {"iat": str(now())}), 401, "'iat' claim must be"),
    Hostile("exp as true", get_as({"exp": True}), 401, "'exp' claim must be a number"),
    Hostile("nbf as false", get_as({"nbf": False}), 401, "'nbf' claim must be a number"),
    Hostile("exp as null", get_as({"exp": None}), 401, "'exp' claim must be a number"),
    Hostile("exp as a list", get_as({"exp": [now() + 600]}), 401, "'exp' claim must be"),
    Hostile("exp as Infinity", get_as({"exp": float("inf")}), 401, "'exp' claim must be"),
    Hostile("exp beyond any float", get_as({"exp": 10**400}), 401, "'exp' claim must be"),
    Hostile("nbf beyond any float", get_as({"nbf": -(10**400)}), 401, "'nbf' claim must be"),
    Hostile("a lone surrogate as sub", get_as({"sub": "\ud800"}), 401, "not valid Unicode text"),
    Hostile(
        "a lone surrogate as simplejwt's user_id",
        signed({"user_id": "a\udfff", "token_type": "access"}),
        401,
        "not valid Unicode text",
    ),
]
