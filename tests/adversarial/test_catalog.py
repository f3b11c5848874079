"""A catalog of hostile requests. Each is answered with its status and an {"error"} body, and
leaves everything as it was: no file written, the old image still served, the server answering.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable
from typing import Any

import attrs
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests import images
from tests.adversarial.support import Target, now, token
from tests.http.support import API, SECRET

Send = Callable[[Target], httpx.Response]
Claims = dict[str, Any] | Callable[[], dict[str, Any]] | None


@attrs.frozen
class Hostile:
    doc: str
    send: Send
    status: int
    says: str | None = None


def get_with(value: str) -> Send:
    return lambda t: t.client.get(API, headers={"Authorization": value})


def get_as(claims: Claims = None, **options: Any) -> Send:
    """A GET with a token made when the request is sent, so its times are fresh."""

    def send(t: Target) -> httpx.Response:
        made = claims() if callable(claims) else claims
        return t.client.get(API, headers={"Authorization": f"Bearer {token(made, **options)}"})

    return send


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


def post(body: bytes, content_type: str, **headers: str) -> Send:
    def send(t: Target) -> httpx.Response:
        all_headers = {
            "Authorization": f"Bearer {token()}",
            "Content-Type": content_type,
            **headers,
        }
        return t.client.post(API, headers=all_headers, content=body)

    return send


def form(*parts: tuple[str, bytes], boundary: str = "b0und", end: bool = True) -> bytes:
    body = b"".join(
        f"--{boundary}\r\nContent-Disposition: form-data; {params}\r\n\r\n".encode()
        + data
        + b"\r\n"
        for params, data in parts
    )
    return body + (f"--{boundary}--\r\n".encode() if end else b"")


MULTIPART = "multipart/form-data; boundary=b0und"
PNG = images.png()


def chunked(data: bytes) -> Send:
    def send(t: Target) -> httpx.Response:
        def pieces():  # type: ignore[no-untyped-def]
            for start in range(0, len(data), 65536):
                yield data[start : start + 65536]

        headers = {"Authorization": f"Bearer {token()}", "Content-Type": MULTIPART}
        return t.client.post(API, headers=headers, content=pieces())

    return send


def media(path: str) -> Send:
    return lambda t: t.client.get(path)


def other_user_guess(t: Target) -> httpx.Response:
    other = t.service.current("456").profile_image
    assert other is not None and t.client.get(f"/media/{other.key}").status_code == 200
    guessed = other.key.rsplit("_", 1)[0] + "_0000000000000000.png"
    return t.client.get(f"/media/{guessed}")


def delete(query: str) -> Send:
    return lambda t: t.client.delete(API + query, headers={"Authorization": f"Bearer {token()}"})


def method(name: str) -> Send:
    return lambda t: t.client.request(name, API, headers={"Authorization": f"Bearer {token()}"})


UNAUTHORIZED = 401
CATALOG = [
    # --- Tokens ---------------------------------------------------------------------------------
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
        get_with(f"Bearer {jwt.encode({'exp': now() + 60}, SECRET)}"),
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
    # --- Multipart and request -----------------------------------------------------------------
    Hostile(
        "a body over the limit, with Content-Length",
        post(
            form(('name="profile_image"; filename="a.png"', b"\x89PNG" + b"\0" * 300_000)),
            MULTIPART,
        ),
        413,
        "too large",
    ),
    Hostile(
        "a body over the limit, chunked",
        chunked(form(('name="profile_image"; filename="a.png"', b"\x89PNG" + b"\0" * 300_000))),
        413,
        "too large",
    ),
    Hostile(
        "JSON instead of multipart",
        post(b'{"profile_image": "aGk="}', "application/json"),
        400,
        "must be multipart/form-data",
    ),
    Hostile(
        "urlencoded instead of multipart",
        post(b"profile_image=hi", "application/x-www-form-urlencoded"),
        400,
        "must be multipart/form-data",
    ),
    Hostile(
        "multipart without a boundary",
        post(form(('name="profile_image"', PNG)), "multipart/form-data"),
        400,
        "must be multipart/form-data",
    ),
    Hostile(
        "a boundary that is not the body's",
        post(form(('name="profile_image"', PNG)), "multipart/form-data; boundary=other"),
        400,
        "malformed",
    ),
    Hostile(
        "truncated before the closing delimiter",
        post(form(('name="profile_image"; filename="a.png"', PNG), end=False), MULTIPART),
        400,
        "malformed",
    ),
    Hostile(
        "more parts than the limit",
        post(form(*[(f'name="f{n}"', b"x") for n in range(17)]), MULTIPART),
        400,
        "too many parts",
    ),
    Hostile(
        "two profile_image parts",
        post(
            form(
                ('name="profile_image"; filename="a.png"', PNG),
                ('name="profile_image"; filename="b.png"', PNG),
            ),
            MULTIPART,
        ),
        400,
        "Send one 'profile_image' file",
    ),
    Hostile(
        "a text value in a file field",
        post(form(('name="cover_image"', b"hello")), MULTIPART),
        400,
        "not an image",
    ),
    Hostile(
        "a file part without a file name, not an image",
        post(form(('name="cover_image"', b"<html>")), MULTIPART),
        400,
        "HTML files are not accepted",
    ),
    Hostile(
        "an empty file",
        post(form(('name="cover_image"; filename="a.png"', b"")), MULTIPART),
        400,
        "The file is empty",
    ),
    Hostile(
        "a part header over 4 KB",
        post(form((f'name="cover_image"; filename="{"a" * 5000}.png"', PNG)), MULTIPART),
        400,
        "header length exceeded",
    ),
    Hostile("multipart with an empty body", post(b"", MULTIPART), 400, "malformed"),
    Hostile(
        "no image field at all",
        post(form(('name="avatar"; filename="a.png"', PNG)), MULTIPART),
        400,
        "No image was sent",
    ),
    # --- Paths ---------------------------------------------------------------------------------
    Hostile("dot-dot in a media path", media("/media/resume/images/%2e%2e/%2e%2e/jwt-secret"), 404),
    Hostile(
        "an encoded slash in a media path",
        media("/media/resume%2fimages%2f..%2f..%2fjwt-secret"),
        404,
    ),
    Hostile("backslashes in a media path", media("/media/resume/images/..%5c..%5cjwt-secret"), 404),
    Hostile("an absolute path after /media/", media("/media//etc/passwd"), 404),
    Hostile("a NUL in a media path", media("/media/resume/images/profile_123.png%00.txt"), 404),
    Hostile("another user's file, guessed from the user id", other_user_guess, 404),
    Hostile(
        "a symlink planted in an image folder",
        media("/media/resume/images/profile_123_link.png"),
        404,
    ),
    Hostile("a temporary file name", media("/media/resume/images/.profile_123_x.png.tmp"), 404),
    Hostile("a name of 300 characters", media("/media/resume/images/" + "p" * 300 + ".png"), 404),
    Hostile("a file of another type", media("/media/resume/images/profile_123_0000.svg"), 404),
    # --- Methods and routes --------------------------------------------------------------------
    Hostile(
        "an unknown route",
        lambda t: t.client.get(
            "/api/resume/other/", headers={"Authorization": f"Bearer {token()}"}
        ),
        404,
        "Not found",
    ),
    Hostile(
        "a path below the images",
        lambda t: t.client.get(API + "123", headers={"Authorization": f"Bearer {token()}"}),
        404,
        "Not found",
    ),
    Hostile("PUT", method("PUT"), 405, "Method PUT is not allowed"),
    Hostile("PATCH", method("PATCH"), 405, "Method PATCH is not allowed"),
    Hostile("DELETE without type", delete(""), 400, "'profile_image' or 'cover_image'"),
    Hostile(
        "DELETE with an unknown type",
        delete("?type=avatar"),
        400,
        "'profile_image' or 'cover_image'",
    ),
    Hostile(
        "DELETE with type repeated",
        delete("?type=cover_image&type=profile_image"),
        400,
        "'profile_image' or 'cover_image'",
    ),
    Hostile(
        "DELETE with types comma-joined",
        delete("?type=profile_image,cover_image"),
        400,
        "'profile_image' or 'cover_image'",
    ),
    Hostile(
        "DELETE with the type in capitals",
        delete("?type=PROFILE_IMAGE"),
        400,
        "'profile_image' or 'cover_image'",
    ),
]


@pytest.mark.parametrize("case", CATALOG, ids=[case.doc for case in CATALOG])
def test_hostile_requests_change_nothing(target: Target, case: Hostile) -> None:
    """The status and {"error"} body expected; no file written; the old image still served."""
    before = target.files()
    response = case.send(target)
    assert response.status_code == case.status, response.text
    if case.status >= 400:
        body = response.json()
        assert list(body) == ["error"], body
        if case.says is not None:
            assert case.says in body["error"], body["error"]
        assert "TOP SECRET" not in response.text
    if case.status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    if case.status == 405:
        assert {"GET", "POST", "DELETE"} <= {
            m.strip() for m in response.headers["allow"].split(",")
        }
    assert target.files() == before
    headers = {"Authorization": f"Bearer {token()}"}
    assert (
        target.client.get(API, headers=headers).json()["images"]["profile_image"] == target.old_url
    )
    assert target.client.get(target.old_url).status_code == 200


def test_the_catalog_is_large() -> None:
    """At least fifty hostile cases, each with its own description."""
    assert len(CATALOG) >= 50
    assert len({case.doc for case in CATALOG}) == len(CATALOG)


@pytest.mark.parametrize("header", ["kid", "jku", "x5u"])
def test_key_locations_in_a_token_are_never_fetched(target: Target, header: str) -> None:
    """kid, jku and x5u pointing at a server are ignored: no connection is ever made to it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        where = f"http://127.0.0.1:{listener.getsockname()[1]}/keys.json"
        value = "../../../../dev/null" if header == "kid" else where
        response = target.client.get(
            API, headers={"Authorization": f"Bearer {token(**{header: value})}"}
        )
        assert response.status_code == 200  # the key is the configured one, whatever the token says
        with pytest.raises(TimeoutError):
            listener.accept()
