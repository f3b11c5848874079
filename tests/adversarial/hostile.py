"""The hostile requests of the catalog: what each sends, and what it must be answered with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import httpx

from tests import images
from tests.adversarial.support import Target, token
from tests.http.support import API

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


def get(path: str) -> Send:
    """A GET of ``path`` without a token."""
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


def patch(body: object) -> Send:
    """A PATCH of descriptions with ``body`` as its JSON."""
    return lambda t: t.client.patch(API, headers={"Authorization": f"Bearer {token()}"}, json=body)
