"""Moderation over HTTP: users report, moderators (a token with the moderator scope) list the
reports, take images down, dismiss reports, read a user's history and keep the blocklist; an
ordinary user reaches none of the moderators' routes."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

import attrs
import pytest
from litestar.connection import ASGIConnection
from litestar.testing import TestClient

from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import HttpConfig, create_app, issue_token
from imagecore.adapters.http.moderation import MODERATORS_ONLY
from imagecore.adapters.web.signed_in import SignedIn
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import Wiring, open_wiring
from imagecore.throttle import Limit
from tests.http.support import TOKENS, bearer

PHOTOS = Path(__file__).parents[1] / "fixtures" / "pdq"
PHOTO = PHOTOS / "bridge-1-original.jpg"
IMAGES = "/api/resume/user-images/"
REPORTS = "/api/resume/reports"
MODERATION = "/api/resume/moderation"


def moderator(user: str = "mo") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user, TOKENS, ttl=600, moderator=True)}"}


@pytest.fixture
def mallory(client: TestClient, wiring: Wiring) -> str:  # type: ignore[type-arg]
    """Mallory's profile photo, uploaded; its URL."""
    answer = client.post(
        IMAGES, files={"profile_image": PHOTO.read_bytes()}, headers=bearer("mallory")
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["profile_image"])


def moderator_routes(client: TestClient) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    """Every (method, path) the app answers under the moderation prefix, OPTIONS aside."""
    return sorted(
        (method, route.path)
        for route in client.app.routes
        if route.path.startswith(MODERATION)
        for method in getattr(route, "methods", ())
        if method not in {"OPTIONS", "HEAD"}
    )


def test_the_moderator_routes_are_the_documented_ones(client: TestClient) -> None:  # type: ignore[type-arg]
    assert moderator_routes(client) == sorted(
        [
            ("GET", f"{MODERATION}/reports"),
            ("POST", f"{MODERATION}/takedowns"),
            ("POST", f"{MODERATION}/dismissals"),
            ("GET", f"{MODERATION}/history"),
            ("GET", f"{MODERATION}/blocklist"),
            ("POST", f"{MODERATION}/blocklist"),
            ("DELETE", f"{MODERATION}/blocklist"),
        ]
    )


def test_an_ordinary_user_reaches_no_moderator_route(
    client: TestClient,  # type: ignore[type-arg]
    wiring: Wiring,
    mallory: str,
) -> None:
    """Each route, found by walking the app, answers a user's token 403 and changes nothing;
    without a token, 401."""
    seeded = client.post(
        REPORTS,
        json={"user": "mallory", "type": "profile_image", "reason": "spam"},
        headers=bearer("bob"),
    )
    assert seeded.status_code == 200
    before = (wiring.slots.current("mallory"), wiring.moderation.queue())
    assert len(before[1]) == 1
    body: dict[str, Any] = {"user": "mallory", "type": "profile_image", "reason": "spam"}
    for method, path in moderator_routes(client):
        url = f"{path}?user=mallory&hash={'0' * 64}"
        refused = client.request(method, url, json=body, headers=bearer("mallory"))
        assert refused.status_code == 403, (method, path)
        assert refused.json() == {"error": MODERATORS_ONLY}
        anonymous = client.request(method, url, json=body)
        assert anonymous.status_code == 401, (method, path)
    assert (wiring.slots.current("mallory"), wiring.moderation.queue()) == before
    assert wiring.slots.blocklist is not None and list(wiring.slots.blocklist.entries()) == []


def test_a_report_reaches_the_queue_and_a_takedown_closes_it(
    client: TestClient,  # type: ignore[type-arg]
    wiring: Wiring,
    mallory: str,
) -> None:
    report = {"user": "mallory", "type": "profile_image", "reason": "impersonation"}
    answer = client.post(REPORTS, json={**report, "note": "not her"}, headers=bearer("bob"))
    assert answer.status_code == 200 and "moderator will look" in answer.json()["message"]
    again = client.post(REPORTS, json=report, headers=bearer("bob"))
    assert again.status_code == 409
    assert again.json() == {
        "error": "You have reported this profile image already: a moderator will look at it."
    }
    client.post(REPORTS, json={**report, "reason": "abuse"}, headers=bearer("cy"))

    queue = client.get(f"{MODERATION}/reports", headers=moderator()).json()["reports"]
    (image,) = queue
    assert (image["user"], image["type"], image["image"]) == ("mallory", "profile_image", mallory)
    assert image["still_shown"] is True
    assert [(r["reporter"], r["reason"], r["note"]) for r in image["reports"]] == [
        ("bob", "impersonation", "not her"),
        ("cy", "abuse", ""),
    ]

    done = client.post(
        f"{MODERATION}/takedowns",
        json={"user": "mallory", "type": "profile_image", "reason": "impersonation"},
        headers=moderator(),
    )
    assert done.json() == {"message": "The profile image of user mallory was taken down."}
    assert client.get(f"{MODERATION}/reports", headers=moderator()).json() == {"reports": []}
    # The owner's GET says what anyone's with no image says: the slot is simply empty.
    shown = client.get(IMAGES, headers=bearer("mallory"))
    assert shown.content == client.get(IMAGES, headers=bearer("newcomer")).content
    assert client.get(mallory).status_code == 404
    # And the picture stays down.
    again_up = client.post(
        IMAGES, files={"cover_image": PHOTO.read_bytes()}, headers=bearer("mallory")
    )
    assert again_up.status_code == 400
    assert again_up.json() == {"error": "This picture cannot be used here."}

    # Any one of the takedown's hashes, exported, unblocks it: here the last crop's.
    exported = client.get(f"{MODERATION}/blocklist", headers=moderator()).text.split()
    assert len(exported) == 10
    unblocked = client.delete(f"{MODERATION}/blocklist?hash={exported[-1]}", headers=moderator())
    assert unblocked.json()["count"] == 1
    assert client.get(f"{MODERATION}/blocklist", headers=moderator()).text == ""
    no_user = client.get(f"{MODERATION}/history", headers=moderator())
    assert no_user.status_code == 400 and "?user=" in no_user.json()["error"]

    history = client.get(f"{MODERATION}/history?user=mallory", headers=moderator()).json()
    actions = [(h["action"], h["by"]["role"]) for h in history["history"]]
    assert actions == [
        ("upload", "user"),
        ("report", "user"),
        ("report", "user"),
        ("block", "moderator"),
        ("takedown", "moderator"),
    ]
    assert history["history"][-1]["detail"] == "impersonation"


def test_a_takedown_of_an_image_replaced_since_it_was_seen_is_refused(
    client: TestClient,  # type: ignore[type-arg]
    wiring: Wiring,
    mallory: str,
) -> None:
    """The queue names the reported image's key; a takedown sending it, after the owner put
    another picture there, takes nothing down (409)."""
    about = {"user": "mallory", "type": "profile_image"}
    client.post(REPORTS, json={**about, "reason": "spam"}, headers=bearer("bob"))
    (item,) = client.get(f"{MODERATION}/reports", headers=moderator()).json()["reports"]
    other = PHOTOS / "q0122.jpg"
    client.post(IMAGES, files={"profile_image": other.read_bytes()}, headers=bearer("mallory"))
    now = wiring.slots.current("mallory").profile_image
    refused = client.post(
        f"{MODERATION}/takedowns",
        json={**about, "reason": "spam", "key": item["key"]},
        headers=moderator(),
    )
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "This profile image was replaced or removed by its owner since: nothing was "
        "taken down. Look at the one shown now."
    }
    assert wiring.slots.current("mallory").profile_image == now
    assert wiring.slots.blocklist is not None and list(wiring.slots.blocklist.entries()) == []


def test_dismissing_by_key_leaves_the_reports_on_a_newer_image_open(
    client: TestClient,  # type: ignore[type-arg]
    wiring: Wiring,
    mallory: str,
) -> None:
    """bob reported one picture, mallory replaced it, cy reported the new one: dismissing the
    first (by its key, as the page does) leaves cy's report in the queue."""
    about = {"user": "mallory", "type": "profile_image"}
    client.post(REPORTS, json={**about, "reason": "spam"}, headers=bearer("bob"))
    (first,) = client.get(f"{MODERATION}/reports", headers=moderator()).json()["reports"]
    other = (PHOTOS / "q0122.jpg").read_bytes()
    client.post(IMAGES, files={"profile_image": other}, headers=bearer("mallory"))
    stale = client.post(
        REPORTS, json={**about, "reason": "spam", "key": first["key"]}, headers=bearer("cy")
    )
    assert stale.status_code == 409  # the image cy saw is gone: nothing filed
    client.post(REPORTS, json={**about, "reason": "abuse"}, headers=bearer("cy"))
    done = client.post(
        f"{MODERATION}/dismissals", json={**about, "key": first["key"]}, headers=moderator()
    )
    assert done.json()["message"] == "1 report on the profile image of user mallory dismissed."
    (left,) = client.get(f"{MODERATION}/reports", headers=moderator()).json()["reports"]
    assert left["key"] != first["key"] and left["still_shown"] is True
    assert [r["reporter"] for r in left["reports"]] == ["cy"]


def test_dismissing_keeps_the_image_and_closes_its_reports(
    client: TestClient,  # type: ignore[type-arg]
    wiring: Wiring,
    mallory: str,
) -> None:
    about = {"user": "mallory", "type": "profile_image"}
    client.post(REPORTS, json={**about, "reason": "spam"}, headers=bearer("bob"))
    done = client.post(f"{MODERATION}/dismissals", json=about, headers=moderator())
    assert done.json() == {"message": "1 report on the profile image of user mallory dismissed."}
    nothing = client.post(f"{MODERATION}/dismissals", json=about, headers=moderator())
    assert nothing.status_code == 404
    assert wiring.slots.current("mallory").profile_image is not None
    # Closed, so bob may report it again.
    assert client.post(REPORTS, json={**about, "reason": "spam"}, headers=bearer("bob")).is_success


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"user": "mallory", "type": "profile_image"}, 400, "Give a reason in 'reason'"),
        ({"user": "mallory", "type": "avatar", "reason": "spam"}, 400, "Say which image"),
        ({"user": "mallory", "type": "profile_image", "reason": "meh"}, 400, "must be one of"),
        ({"user": "bob", "type": "profile_image", "reason": "spam"}, 400, "your own"),
        ({"user": "nobody", "type": "profile_image", "reason": "spam"}, 404, "no profile image"),
        ({"user": "mallory", "type": "cover_image", "reason": "spam"}, 404, "no cover image"),
        ({"user": "mallory", "type": "profile_image", "reason": "spam", "x": 1}, 400, "'x'"),
    ],
)
def test_a_bad_report_gets_a_clear_error_and_opens_nothing(
    client: TestClient,  # type: ignore[type-arg]
    wiring: Wiring,
    mallory: str,
    body: dict[str, Any],
    status: int,
    error: str,
) -> None:
    client.post(IMAGES, files={"profile_image": PHOTO.read_bytes()}, headers=bearer("bob"))
    answer = client.post(REPORTS, json=body, headers=bearer("bob"))
    assert answer.status_code == status
    assert error in answer.json()["error"]
    assert wiring.moderation.queue() == []


def test_reports_are_rate_limited_per_reporter(settings: Settings, media: FsspecStorage) -> None:
    """Past IMAGECORE_REPORT_RATE_PER_USER a reporter gets 429 with Retry-After; a refused
    report opens nothing."""
    limited = attrs.evolve(settings, report_rate_per_user=Limit(2, 3600))
    with closing(open_wiring(limited, storage=media)) as wiring:
        with TestClient(build_app(limited, wiring=wiring)) as client:
            for owner in ("a", "b", "c"):
                photo = {"profile_image": PHOTO.read_bytes()}
                client.post(IMAGES, files=photo, headers=bearer(owner))
            answers = [
                client.post(
                    REPORTS,
                    json={"user": owner, "type": "profile_image", "reason": "spam"},
                    headers=bearer("flooder"),
                )
                for owner in ("a", "b", "c")
            ]
        assert [answer.status_code for answer in answers] == [200, 200, 429]
        assert int(answers[2].headers["Retry-After"]) > 0
        assert [image.owner for image in wiring.moderation.queue()] == ["a", "b"]


def test_the_blocklist_imports_exports_and_removes_hex_lists(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    listed = f"# shared\n{'a' * 64},100\n{'b' * 64}\n"
    added = client.post(f"{MODERATION}/blocklist", content=listed.encode(), headers=moderator())
    assert added.json() == {"message": "2 blocklist entries added.", "count": 2}
    exported = client.get(f"{MODERATION}/blocklist", headers=moderator())
    assert exported.headers["content-type"].startswith("text/plain")
    assert sorted(exported.text.splitlines()) == ["a" * 64, "b" * 64]
    removed = client.delete(f"{MODERATION}/blocklist?hash={'a' * 64}", headers=moderator())
    assert removed.json() == {"message": "1 blocklist entry removed.", "count": 1}
    nothing = client.delete(f"{MODERATION}/blocklist", headers=moderator())
    assert nothing.status_code == 400 and "?hash=" in nothing.json()["error"]
    bad = client.post(f"{MODERATION}/blocklist", content=b"zz\n", headers=moderator())
    assert bad.status_code == 400
    assert bad.json() == {"error": "Line 1 is not a PDQ hash of 64 hex digits."}


def test_an_embedding_host_names_its_moderators_with_its_identity_callable(
    wiring: Wiring,
) -> None:
    """A host's identity callable answers a SignedIn: its moderators reach the queue, its other
    users are refused."""

    async def identity(connection: ASGIConnection[Any, Any, Any, Any]) -> SignedIn | None:
        user = connection.headers.get("x-user")
        return None if user is None else SignedIn(user, moderator=user == "staff")

    app = create_app(wiring.slots, HttpConfig(identity=identity), moderation=wiring.moderation)
    with TestClient(app) as client:
        queue = f"{MODERATION}/reports"
        assert client.get(queue, headers={"x-user": "staff"}).json() == {"reports": []}
        assert client.get(queue, headers={"x-user": "alice"}).status_code == 403
        assert client.get(queue).status_code == 401
