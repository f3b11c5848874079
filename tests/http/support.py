"""What the HTTP suites share besides fixtures: the API's path, the test secret, file listings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from imagecore import ImageStorage
from imagecore.adapters.http import TokenPolicy, issue_token
from imagecore.policies import DEFAULT_POLICIES

SECRET = "test-secret-" + "x" * 40
TOKENS = TokenPolicy.shared_secret(SECRET)
API = "/api/resume/user-images/"
SLOT_FOLDERS = [policy.folder for policy in DEFAULT_POLICIES.values()]
#: Makes a test client for the app with some settings changed (the ``client_with`` fixture).
Client = Callable[..., TestClient]  # type: ignore[type-arg]


def token_for(user: str) -> str:
    """A valid access token for ``user``, signed with :data:`SECRET`."""
    return issue_token(user, TOKENS, ttl=600)


def bearer(user: str) -> dict[str, str]:
    """Headers that authenticate as ``user``."""
    return {"Authorization": f"Bearer {token_for(user)}"}


def uploaded_files(storage: ImageStorage) -> set[str]:
    """Every file in the slot folders."""
    return {file.key for folder in SLOT_FOLDERS for file in storage.list(folder)}


def stored_keys(answer: dict[str, Any], slot: str) -> set[str]:
    """The storage keys of every file ``slot``'s image is made of (itself, its variants, its
    still), from the details of an API answer."""
    detail = answer["details"][slot]
    urls = [detail["url"], *(variant["url"] for variant in detail["variants"])]
    if detail["static_url"]:
        urls.append(detail["static_url"])
    return {url.removeprefix("/media/") for url in urls}


def guide_keys(body: dict[str, Any]) -> dict[str, Any]:
    """An answer as the guide shows it: without ``details``, which this API adds."""
    return {key: value for key, value in body.items() if key != "details"}
