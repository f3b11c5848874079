"""Alt text: sent with an upload or changed with PATCH, checked, stored, and answered in
``details`` beside the guide's keys, over the app as the command line builds it (real codec,
real SQLite, real files)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from imagecore.throttle import Limit
from tests import images
from tests.http.support import API, Client

Files = Callable[[], set[str]]


def upload(client: TestClient, auth: dict[str, str], **fields: Any) -> Any:  # type: ignore[type-arg]
    files = {name: (f"{name}.png", images.png((300, 200))) for name in fields.pop("files", [])}
    return client.post(API, headers=auth, files=files, data=fields)


def details(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:  # type: ignore[type-arg]
    body = client.get(API, headers=auth).json()
    return dict(body["details"])


def test_a_new_user_s_details_are_the_default_image_s(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    """The default profile image has its entry, with its true size and its own variants, each
    served at its listed size; the empty cover has none."""
    body = client.get(API, headers=auth).json()
    profile = body["details"]["profile_image"]
    assert profile["url"] == body["images"]["profile_image"]
    assert profile["default"] is True
    assert profile["media_type"] == "image/png"
    shown = images.decode(client.get(profile["url"]).content)
    assert (profile["width"], profile["height"]) == shown.size
    assert profile["alt"] == ""
    assert [v["width"] for v in profile["variants"]] == [48, 96, 192]
    for variant in profile["variants"]:
        answer = client.get(variant["url"])
        assert answer.headers["content-type"] == variant["media_type"] == "image/webp"
        assert images.decode(answer.content).size == (variant["width"], variant["height"])
    listed = [f"{v['url']} {v['width']}w" for v in profile["variants"]]
    assert profile["srcset"] == ", ".join([*listed, f"{profile['url']} {profile['width']}w"])
    assert profile["placeholder"] == {
        "blurhash": "LTNdn0xu~p%M~pofM{j[RjfQRkWC",
        "color": "#c8d1de",
    }
    assert body["details"]["cover_image"] is None


def test_an_upload_s_description_is_trimmed_stored_and_answered(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    answer = upload(
        client, auth, files=["profile_image"], profile_image_alt="  Me, by a lake  "
    ).json()
    assert answer["message"] == "Profile image uploaded successfully"
    entry = answer["details"]["profile_image"]
    assert entry["alt"] == "Me, by a lake"
    assert entry["url"] == answer["profile_image"]
    assert entry["default"] is False
    assert (entry["width"], entry["height"], entry["media_type"]) == (300, 200, "image/png")
    # 300 pixels wide: the profile variants narrower than it, 48, 96 and 192, ascending.
    assert [variant["width"] for variant in entry["variants"]] == [48, 96, 192]
    assert entry["srcset"].endswith(f"{entry['url']} 300w")
    assert entry["static_url"] is None
    # The picture is one colour, (200, 30, 30): so are its average and its BlurHash's DC.
    assert entry["placeholder"]["color"] == "#c81e1e"
    assert len(entry["placeholder"]["blurhash"]) == 28  # 4 x 3 components
    assert details(client, auth)["profile_image"] == entry


def test_a_new_upload_without_a_description_clears_the_old_one(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    """The old description described the old picture."""
    upload(client, auth, files=["cover_image"], cover_image_alt="A field of tulips")
    upload(client, auth, files=["cover_image"])
    assert details(client, auth)["cover_image"]["alt"] == ""


def test_patch_changes_descriptions_without_an_upload(
    client: TestClient,
    auth: dict[str, str],
    media_files: Files,  # type: ignore[type-arg]
) -> None:
    upload(client, auth, files=["profile_image", "cover_image"])
    stored = media_files()
    one = client.patch(API, headers=auth, json={"profile_image_alt": "Me, smiling"})
    assert one.status_code == 200
    assert one.json()["message"] == "Profile image description updated successfully"
    assert one.json()["details"]["profile_image"]["alt"] == "Me, smiling"
    both = client.patch(
        API, headers=auth, json={"cover_image_alt": "Tulips", "profile_image_alt": "Me"}
    )
    assert both.json()["message"] == (
        "Profile image and cover image descriptions updated successfully"
    )
    now = details(client, auth)
    assert (now["profile_image"]["alt"], now["cover_image"]["alt"]) == ("Me", "Tulips")
    assert media_files() == stored  # no file written or removed


def test_patch_of_a_slot_without_an_upload_is_404_and_changes_nothing(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    """The default image's description is not the user's to change, and nor is an empty cover;
    with both named, the one that exists is not changed either."""
    upload(client, auth, files=["profile_image"], profile_image_alt="Me")
    refused = client.patch(
        API, headers=auth, json={"profile_image_alt": "Not me", "cover_image_alt": "x"}
    )
    assert refused.status_code == 404
    assert refused.json() == {
        "error": "Cover image not found: there is no cover image to describe."
    }
    assert details(client, auth)["profile_image"]["alt"] == "Me"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"avatar_alt": "x"}, "Unknown field 'avatar_alt'"),
        ({"profile_image_alt": 5}, "'profile_image_alt' must be a string."),
        ({"profile_image_alt": None}, "'profile_image_alt' must be a string."),
        ({"profile_image_alt": "line one\nline two"}, "'profile_image_alt' must be one line"),
        ({"profile_image_alt": "bell\x07"}, "'profile_image_alt' must be one line"),
        ({"profile_image_alt": "x" * 1001}, "'profile_image_alt' is too long: at most 1,000"),
        (b'{"profile_image_alt": "\\ud800"}', "must be a JSON object"),
        ({}, "must be a JSON object"),
        (["profile_image_alt"], "must be a JSON object"),
    ],
    ids=["unknown", "number", "null", "newline", "bell", "too long", "surrogate", "empty", "list"],
)
def test_a_bad_patch_is_400_naming_the_field_and_changes_nothing(
    client: TestClient,
    auth: dict[str, str],
    body: Any,
    says: str,  # type: ignore[type-arg]
) -> None:
    upload(client, auth, files=["profile_image"], profile_image_alt="Me")
    if isinstance(body, bytes):  # JSON no client library would write
        refused = client.patch(API, headers=auth, content=body)
    else:
        refused = client.patch(API, headers=auth, json=body)
    assert refused.status_code == 400
    assert says in refused.json()["error"]
    assert details(client, auth)["profile_image"]["alt"] == "Me"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"profile_image_alt=x", "must be a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "too large for descriptions"),
        (b"[" * 10_000 + b"]" * 10_000, "must be a JSON object"),  # deeper than the stack
    ],
    ids=["form", "huge", "deep"],
)
def test_a_patch_that_is_not_descriptions_is_400(
    client: TestClient,
    auth: dict[str, str],
    body: bytes,
    says: str,  # type: ignore[type-arg]
) -> None:
    refused = client.patch(API, headers=auth, content=body)
    assert refused.status_code == 400
    assert says in refused.json()["error"]


def test_a_blank_description_beside_an_empty_file_input_is_ignored(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    """What a plain HTML form sends when only one of its two files is chosen."""
    answer = upload(
        client, auth, files=["profile_image"], cover_image_alt="", profile_image_alt="Me"
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["details"]["profile_image"]["alt"] == "Me"


def test_a_description_part_far_over_the_limit_is_refused_unread(
    client: TestClient,
    auth: dict[str, str],
    media_files: Files,  # type: ignore[type-arg]
) -> None:
    refused = upload(client, auth, files=["profile_image"], profile_image_alt="x" * 200_000)
    assert refused.status_code == 400
    assert "'profile_image_alt' is too long" in refused.json()["error"]
    assert media_files() == set()


def test_a_thousand_characters_after_trimming_are_enough(
    client: TestClient,
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    upload(client, auth, files=["profile_image"])
    text = "é" * 1000
    assert (
        client.patch(API, headers=auth, json={"profile_image_alt": f" {text} "}).status_code == 200
    )
    assert details(client, auth)["profile_image"]["alt"] == text


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"profile_image_alt": "tab\there"}, "'profile_image_alt' must be one line"),
        ({"cover_image_alt": "A banner"}, "'cover_image_alt' was sent without a 'cover_image'"),
    ],
    ids=["control character", "without its file"],
)
def test_a_bad_description_in_an_upload_stores_nothing(
    client: TestClient,  # type: ignore[type-arg]
    auth: dict[str, str],
    media_files: Files,
    fields: dict[str, str],
    says: str,
) -> None:
    """The old image stays, with its description, and no file is written."""
    first = upload(client, auth, files=["profile_image"], profile_image_alt="Me").json()
    stored = media_files()
    refused = upload(client, auth, files=["profile_image"], **fields)
    assert refused.status_code == 400
    assert says in refused.json()["error"]
    assert media_files() == stored
    assert details(client, auth)["profile_image"] == first["details"]["profile_image"]


@pytest.mark.usefixtures("one_rate_window")
def test_description_changes_are_counted_as_deletes_are(
    client_with: Client, token_for: Callable[[str], str]
) -> None:
    """The delete limits apply, to their own count; over it, 429 with its own words."""
    client = client_with(delete_rate_per_user=Limit(2, 3600), delete_rate_per_address=None)
    auth = {"Authorization": f"Bearer {token_for('d')}"}
    upload(client, auth, files=["profile_image"])
    for _ in range(2):
        assert client.patch(API, headers=auth, json={"profile_image_alt": "x"}).status_code == 200
    refused = client.patch(API, headers=auth, json={"profile_image_alt": "x"})
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("Too many description changes")
    assert client.delete(API + "?type=profile_image", headers=auth).status_code == 200
