"""Every API route needs a valid bearer token; media files do not."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest
from litestar.testing import TestClient

from tests import images
from tests.http.support import API, SECRET, stored_keys

CALLS = [("GET", API), ("POST", API), ("DELETE", API + "?type=profile_image")]


@pytest.mark.parametrize(("method", "path"), CALLS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic YTpi"},
        {"Authorization": "Bearer not.a.token"},
        {
            "Authorization": "Bearer "
            + jwt.encode({"sub": "1", "exp": 1}, SECRET, algorithm="HS256")
        },
    ],
    ids=["missing", "basic", "garbage", "expired"],
)
def test_without_a_valid_token_every_route_is_401(
    client: TestClient, method: str, path: str, headers: dict[str, str]
) -> None:
    """401 in the error shape, with WWW-Authenticate: Bearer, for each route."""
    response = client.request(method, path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert list(response.json()) == ["error"]


def test_an_unauthenticated_upload_stores_nothing(
    client: TestClient, media_files: Callable[[], set[str]]
) -> None:
    """An unauthenticated upload of a valid image stores nothing (the end-to-end tests show the
    401 comes before the body is even read)."""
    response = client.post(API, files={"profile_image": ("a.png", images.png())})
    assert response.status_code == 401
    assert media_files() == set()


def test_a_token_in_the_query_string_is_ignored(
    client: TestClient, token_for: Callable[[str], str]
) -> None:
    """Tokens are read from the Authorization header only, never from the URL."""
    response = client.get(f"{API}?token={token_for('1')}&access_token={token_for('1')}")
    assert response.status_code == 401


def test_simplejwt_access_tokens_reach_the_user_s_images(client: TestClient) -> None:
    """A Django simplejwt access token (user_id, no sub) works; a refresh token does not."""
    claims = {"token_type": "access", "user_id": 77, "exp": int(time.time()) + 60, "jti": "j"}
    access = {"Authorization": "Bearer " + jwt.encode(claims, SECRET, algorithm="HS256")}
    body = client.post(API, headers=access, files={"cover_image": ("a.png", images.png())}).json()
    assert body["cover_image"].startswith("/media/resume/covers/cover_77_")
    refresh = {**claims, "token_type": "refresh"}
    response = client.get(
        API, headers={"Authorization": "Bearer " + jwt.encode(refresh, SECRET, algorithm="HS256")}
    )
    assert response.status_code == 401
    assert response.json() == {"error": "This is not an access token; send an access token."}


@pytest.mark.parametrize("user_id", ["../../x", "a/b", "x\x00y", "..", "x" * 500, "ユーザー", ""])
def test_hostile_user_ids_stay_in_their_folder(
    client: TestClient,
    token_for: Callable[[str], str],
    media_files: Callable[[], set[str]],
    user_id: str,
) -> None:
    """Whatever the id in the token, uploads land in the slot folder and are served back."""
    auth = {"Authorization": f"Bearer {token_for(user_id)}"}
    response = client.post(API, headers=auth, files={"profile_image": ("a.png", images.png())})
    if user_id == "":
        assert response.status_code == 401  # an empty subject names nobody
        return
    url = response.json()["profile_image"]
    assert url.startswith("/media/resume/images/profile_")
    assert "/" not in url.removeprefix("/media/resume/images/")
    assert client.get(url).status_code == 200
    assert media_files() == stored_keys(response.json(), "profile_image")
    assert all(key.startswith("resume/images/profile_") for key in media_files())


def test_users_only_see_their_own_images(
    client: TestClient, token_for: Callable[[str], str]
) -> None:
    """Alice's upload does not change what Bob sees, and Bob cannot delete it."""
    alice = {"Authorization": f"Bearer {token_for('alice')}"}
    bob = {"Authorization": f"Bearer {token_for('bob')}"}
    client.post(API, headers=alice, files={"cover_image": ("a.png", images.png())})
    assert client.get(API, headers=bob).json()["images"]["cover_image"] is None
    assert client.delete(API + "?type=cover_image", headers=bob).status_code == 404
    assert client.get(API, headers=alice).json()["images"]["cover_image"] is not None
