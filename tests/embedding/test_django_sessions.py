"""A Django project whose users are signed in by its session: the CSRF token is asked of every
request that changes something, read from its header alone, and the upload's body is read once,
by the API, within its limits (the CSRF check never parses it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests import images
from tests.embedding.test_django_adapters import _form
from tests.fonts import FONT, painter_or_skip

pytestmark = pytest.mark.usefixtures("django_in_process")

API = "/api/resume/user-images/"
TOKEN = "a" * 32  # a CSRF secret, as the csrftoken cookie holds it


def signed_by_session(imagecore: dict[str, Any]) -> Any:
    """Settings whose users are signed in by Django's session (through DRF's session
    authentication where it decides), with ``imagecore`` as IMAGECORE."""
    from django.test import override_settings

    return override_settings(
        IMAGECORE=imagecore,
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": [
                "rest_framework.authentication.SessionAuthentication"
            ]
        },
    )


@pytest.fixture(params=["drf", "session"])
def signed_in(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A client signed in by the session, with its CSRF cookie; through DRF's session
    authentication, or Django's own."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from imagecore.adapters.django.apps import service

    imagecore = {
        "AUTHENTICATION": request.param,
        "ISOLATE_DECODES": False,
        "MAX_UPLOAD_BYTES": 2**20,
        "RATE_LIMITS": None,
    }
    with signed_by_session(imagecore):
        client = Client(enforce_csrf_checks=True)
        user, _ = get_user_model().objects.get_or_create(username=f"session-{request.param}")
        client.force_login(user)
        client.cookies["csrftoken"] = TOKEN
        try:
            yield client
        finally:
            service().close()


def test_a_session_s_upload_needs_its_csrf_token_in_the_header(signed_in: Any) -> None:
    body, content_type = _form(images.png())
    refused = signed_in.post(API, data=body, content_type=content_type)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    sent = signed_in.post(API, data=body, content_type=content_type, headers={"X-CSRFToken": TOKEN})
    assert sent.status_code == 200, sent.content
    assert sent.json()["message"] == "Profile image uploaded successfully"
    assert signed_in.get(API).json()["images"]["profile_image"] == sent.json()["profile_image"]


def test_a_session_s_oversized_upload_is_413_unread(signed_in: Any) -> None:
    """Past the upload limit, the answer is 413, from the declared length, as from the other
    hosts: no parser has spooled it first."""
    body, content_type = _form(b"\xff\xd8" + b"\x00" * (2**20 + 10))
    answer = signed_in.post(
        API, data=body, content_type=content_type, headers={"X-CSRFToken": TOKEN}
    )
    assert answer.status_code == 413
    assert answer.json()["error"].startswith("The upload is too large")


def test_a_session_s_delete_needs_the_token_and_a_read_does_not(signed_in: Any) -> None:
    assert signed_in.get(API).status_code == 200
    assert signed_in.delete(API + "?type=cover_image").status_code == 403
    deleted = signed_in.delete(API + "?type=cover_image", headers={"X-CSRFToken": TOKEN})
    assert deleted.status_code == 404  # the check passed: there is no cover to delete


def test_a_user_without_a_profile_image_gets_their_initials_from_their_full_name() -> None:
    """DEFAULT_PROFILE = "initials": the user's full name gives the initials, the project's
    SECRET_KEY (hashed) the colour; the media view serves the SVG and its WebPs."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from imagecore.adapters.django.apps import service

    painter_or_skip()
    imagecore = {"DEFAULT_PROFILE": "initials", "AVATAR_FONTS": [FONT], "RATE_LIMITS": None}
    with signed_by_session(imagecore):
        try:
            client = Client()
            users = get_user_model().objects
            ada, _ = users.update_or_create(
                username="avatar-ada", defaults={"first_name": "Ada", "last_name": "Lovelace"}
            )
            client.force_login(ada)
            detail = client.get(API).json()["details"]["profile_image"]
            assert detail["default"] is True
            assert detail["url"].endswith("-414c.svg")  # "AL"
            svg = client.get(detail["url"])
            assert svg["Content-Type"] == "image/svg+xml" and b">AL</text>" in svg.content
            widths = [v["width"] for v in detail["variants"]]
            assert widths == [48, 96, 192]
            webp = client.get(detail["variants"][0]["url"])
            assert webp["Content-Type"] == "image/webp" and webp.content[8:12] == b"WEBP"

            nameless, _ = users.get_or_create(username="avatar-nameless")
            client.force_login(nameless)
            shown = client.get(API).json()["images"]["profile_image"]
            assert "/generated/identicon-" in shown
        finally:
            service().close()
