"""The moderation page, in Debian's headless Chromium, against a real `imagecore serve`: the
queue with each image, a takedown with its reason, a dismissal from the keyboard, a user's
history, all audited by axe-core; and a user who is no moderator is told so."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from imagecore.adapters.http import TokenPolicy, issue_token
from imagecore.app.tokens import stored_secret
from tests.servers import Server

PHOTOS = Path(__file__).parents[1] / "fixtures" / "pdq"
IMAGES = "/api/resume/user-images/"


@pytest.fixture
def token(server: Server) -> Callable[..., str]:
    """Tokens the server accepts, for anyone, a moderator's with its scope."""
    policy = TokenPolicy.shared_secret(stored_secret(server.data_dir))
    return lambda user, moderator=False: issue_token(user, policy, ttl=600, moderator=moderator)


def report(server: Server, token: Callable[..., str], owner: str, photo: str, slot: str) -> None:
    """``owner`` uploads ``photo`` into ``slot`` and two users report it."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        uploaded = client.post(
            IMAGES,
            files={slot: (PHOTOS / photo).read_bytes()},
            headers={"Authorization": f"Bearer {token(owner)}"},
        )
        assert uploaded.status_code == 200, uploaded.text
        for reporter, reason in (("bob", "impersonation"), ("cy", "abuse")):
            filed = client.post(
                "/api/resume/reports",
                json={"user": owner, "type": slot, "reason": reason, "note": f"{reporter} says"},
                headers={"Authorization": f"Bearer {token(reporter)}"},
            )
            assert filed.status_code == 200, filed.text


def test_a_moderator_takes_down_dismisses_and_reads_the_history(
    page: Page,
    server: Server,
    token: Callable[..., str],
    audit: Callable[[], list[str]],
    artifacts: Path,
) -> None:
    report(server, token, "mallory", "bridge-1-original.jpg", "profile_image")
    report(server, token, "trent", "q0122.jpg", "cover_image")
    page.goto(f"{server.base_url}/moderation#token={token('mo', moderator=True)}")
    assert "token" not in page.url
    queue = page.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3))
    expect(queue).to_have_count(2)
    first = page.get_by_role("listitem", name="The profile image of user mallory")
    expect(
        first.get_by_role("img", name="The reported profile image of user mallory")
    ).to_be_visible()
    expect(first.get_by_text("pretends to be someone else")).to_be_visible()
    expect(first.get_by_text("bob says")).to_be_visible()
    assert page.evaluate("document.querySelector('.reported img').naturalWidth") > 0
    assert audit() == []
    page.screenshot(path=artifacts / "moderation-1280.png", full_page=True)

    first.get_by_role("button", name="Show the history of user mallory").click()
    table = page.get_by_role("table", name=re.compile("images of user mallory"))
    expect(table.get_by_role("row")).to_have_count(4)  # the header, the upload, two reports
    assert audit() == []

    first.get_by_label("Why take it down").fill("impersonates a public figure")
    first.get_by_role("button", name="Take down the profile image").click()
    expect(page.get_by_role("status")).to_have_text(
        "The profile image of user mallory was taken down."
    )
    expect(queue).to_have_count(1)

    # The other, from the keyboard: focus the dismiss button and press Enter.
    cover = page.get_by_role("listitem", name="The cover image of user trent")
    cover.get_by_role("button", name="Dismiss the reports").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "2 reports on the cover image of user trent dismissed."
    )
    expect(page.get_by_text("No open reports.")).to_be_visible()

    page.get_by_label("User id").fill("mallory")
    page.get_by_role("button", name="Show history").click()
    rows = table.get_by_role("row")
    expect(rows).to_have_count(6)  # the header, upload, two reports, block, takedown
    expect(rows.last).to_contain_text("impersonates a public figure")
    expect(rows.last).to_contain_text("moderator mo")
    assert audit() == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert audit() == []
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_user_who_is_no_moderator_is_told_so(
    page: Page, server: Server, token: Callable[..., str], audit: Callable[[], list[str]]
) -> None:
    page.goto(f"{server.base_url}/moderation")
    expect(page.get_by_role("status")).to_have_text("Paste a moderator's access token to begin.")
    assert audit() == []
    page.get_by_label("Moderator's access token").fill(token("mallory"))
    page.get_by_role("button", name="Use token").click()
    expect(page.get_by_role("alert")).to_have_text("Only moderators may do this.")
    assert audit() == []
