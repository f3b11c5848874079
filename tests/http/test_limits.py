"""Rate limits, the published limits, and the security headers people can see."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import Callable

import attrs
import pytest
from litestar.testing import TestClient

from imagecore.adapters.memory_repository import MemoryRateCounter
from imagecore.adapters.web import rates
from imagecore.adapters.web.rates import (
    RateRules,
    address_group,
    client_address,
    warn_if_proxied_unknowingly,
)
from imagecore.app.settings import PER_ADDRESS, PER_USER, USERS_PER_ADDRESS
from imagecore.errors import RateLimited
from imagecore.throttle import Limit, Throttle
from tests import images
from tests.http.support import API, Client


def upload(client: TestClient, token: str, **headers: str):  # type: ignore[no-untyped-def]
    files = {"cover_image": ("c.png", images.png())}
    return client.post(API, headers={"Authorization": f"Bearer {token}", **headers}, files=files)


@pytest.mark.usefixtures("one_rate_window")
def test_uploads_over_the_per_user_limit_get_429(
    client_with: Client, token_for: Callable[[str], str], media_files: Callable[[], set[str]]
) -> None:
    """The fourth upload in the hour is 429 with Retry-After; nothing of it is stored."""
    client = client_with(upload_rate_per_user=Limit(3, 3600), upload_rate_per_address=None)
    alice = token_for("alice")
    urls = [upload(client, alice).json()["cover_image"] for _ in range(3)]
    refused = upload(client, alice)
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("Too many uploads: the limit is 3 per hour.")
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert refused.headers["cache-control"] == "no-store"
    assert len(media_files()) == 1  # the last accepted one; nothing from the refused upload
    shown = client.get(API, headers={"Authorization": f"Bearer {alice}"}).json()
    assert shown["images"]["cover_image"] == urls[-1]
    assert upload(client, token_for("bob")).status_code == 200  # others are not affected


@pytest.mark.usefixtures("one_rate_window")
def test_uploads_over_the_per_address_limit_get_429(
    client_with: Client, token_for: Callable[[str], str]
) -> None:
    """With one user per address and no grace, users behind one address share its limit,
    whatever X-Forwarded-For claims."""
    client = client_with(
        upload_rate_per_user=None,
        upload_rate_per_address=Limit(2, 60),
        rate_users_per_address=1,
        rate_grace_per_user=0,
    )
    assert upload(client, token_for("a"), **{"X-Forwarded-For": "203.0.113.1"}).status_code == 200
    assert upload(client, token_for("b"), **{"X-Forwarded-For": "203.0.113.2"}).status_code == 200
    refused = upload(client, token_for("c"), **{"X-Forwarded-For": "203.0.113.3"})
    assert refused.status_code == 429
    assert "the limit is 2 per minute" in refused.json()["error"]


@pytest.mark.usefixtures("one_rate_window")
def test_a_refused_request_counts_against_no_limit(
    client_with: Client, token_for: Callable[[str], str]
) -> None:
    """Refused by the address limit, a user's attempts do not use up the user's own limit."""
    client = client_with(
        upload_rate_per_user=Limit(3, 3600),
        upload_rate_per_address=Limit(1, 60),
        rate_users_per_address=1,
        rate_grace_per_user=0,
    )
    assert upload(client, token_for("busy")).status_code == 200  # the address's one upload
    for _ in range(5):
        assert upload(client, token_for("alice")).status_code == 429
    moved = client_with(upload_rate_per_user=Limit(3, 3600), upload_rate_per_address=None)
    assert [upload(moved, token_for("alice")).status_code for _ in range(4)] == [200, 200, 200, 429]


def upload_rules(
    per_user: Limit | None = PER_USER, per_address: Limit | None = PER_ADDRESS, grace: int = 3
) -> RateRules:
    """Upload limits (by default the deployed ones, with the default users per address and
    grace) over a fresh counter."""
    return RateRules(
        throttle=Throttle(MemoryRateCounter()),
        per_user={"upload": per_user},
        per_address={"upload": per_address},
        grace=grace,
    )


NOW = 1_800_000_000.0  # the start of an hour's window


def test_users_sharing_an_address_do_not_lock_each_other_out() -> None:
    """Three users behind one address each make their own 20 uploads in the hour, and a fourth
    still can; each user's 21st is refused by their own limit."""
    rules = upload_rules()
    for user in ("ann", "bob", "cid"):
        for _ in range(20):
            rules.check("upload", user, "10.0.0.1", now=NOW)
    rules.check("upload", "dee", "10.0.0.1", now=NOW)
    with pytest.raises(RateLimited) as refused:
        rules.check("upload", "ann", "10.0.0.1", now=NOW)
    assert refused.value.limit == PER_USER.count


def test_a_flood_of_new_accounts_uses_up_the_address_but_not_a_new_user_s_grace() -> None:
    """The security review's case: accounts on one address, each within its own 20, use up
    the address's 600 in the hour (forty of them here: each one's first three are its own).
    Past it, an account is let through only for its first three (so a flood costs an account
    per three), and so is a new user who comes next: they set their picture, and are not told
    to wait for the rest of the hour."""
    rules = upload_rules()
    for n in range(40):
        for _ in range(20):
            with contextlib.suppress(RateLimited):
                rules.check("upload", f"bot{n}", "198.51.100.9", now=NOW)
    for n in range(40, 43):
        for _ in range(3):
            rules.check("upload", f"bot{n}", "198.51.100.9", now=NOW)
        with pytest.raises(RateLimited) as refused:
            rules.check("upload", f"bot{n}", "198.51.100.9", now=NOW)
        assert refused.value.limit == 600
    for _ in range(3):
        rules.check("upload", "newcomer", "198.51.100.9", now=NOW + 1)
    with pytest.raises(RateLimited):
        rules.check("upload", "newcomer", "198.51.100.9", now=NOW + 1)
    rules.check("upload", "newcomer", "198.51.100.10", now=NOW)  # other addresses are not affected
    rules.check("upload", "bot0", "198.51.100.9", now=NOW + 3600)  # nor the next hour


def test_attempts_given_back_use_no_grace() -> None:
    """A new user on a used-up address whose attempts met a busy server (each given back) keeps
    all three graced actions for the ones that pass; past them, the address's limit holds."""
    rules = upload_rules(per_user=None, per_address=Limit(1, 3600))
    for _ in range(4):  # three graced, the fourth the address's one
        rules.check("upload", "bot", "198.51.100.9", now=NOW)
    for _ in range(5):
        rules.check("upload", "ann", "198.51.100.9", now=NOW)()  # a 503: taken back
    for _ in range(4):  # three graced, and her share of the address (one each for two users)
        rules.check("upload", "ann", "198.51.100.9", now=NOW)
    with pytest.raises(RateLimited) as refused:
        rules.check("upload", "ann", "198.51.100.9", now=NOW)
    assert refused.value.limit == 2


def test_without_grace_a_used_up_address_refuses_everyone_on_it() -> None:
    rules = upload_rules(grace=0)
    for n in range(30):
        for _ in range(20):
            rules.check("upload", f"bot{n}", "198.51.100.9", now=NOW)
    with pytest.raises(RateLimited):
        rules.check("upload", "newcomer", "198.51.100.9", now=NOW)


def test_an_ipv6_64_is_one_address() -> None:
    """Addresses of one /64 share one count; another /64 has its own."""
    rules = upload_rules(per_user=None, per_address=Limit(2, 60), grace=0)
    rules.check("upload", "a", "2001:db8:1:2::1", now=NOW)
    rules.check("upload", "a", "2001:db8:1:2:ffff:ffff:ffff:fffe", now=NOW)
    with pytest.raises(RateLimited):
        rules.check("upload", "a", "2001:db8:1:2:abcd::9", now=NOW)
    rules.check("upload", "a", "2001:db8:1:3::1", now=NOW)
    assert address_group("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_group("2001:db8:1:2:abcd::9") == "2001:db8:1:2::/64"


def test_the_deployment_default_is_the_adapter_s() -> None:
    """IMAGECORE_RATE_USERS_PER_ADDRESS defaults to what RateRules does when left alone."""
    assert attrs.fields(RateRules).users_per_address.default == USERS_PER_ADDRESS


def test_the_address_limit_counts_users_per_window() -> None:
    """A user seen in an earlier window adds nothing to the next one's allowance."""
    rules = upload_rules(per_user=None, per_address=Limit(2, 60), grace=0)
    for user in ("a", "b"):
        rules.check("upload", user, "192.0.2.1", now=NOW)
    for _ in range(2):
        rules.check("upload", "a", "192.0.2.1", now=NOW + 60)
    with pytest.raises(RateLimited):
        rules.check("upload", "a", "192.0.2.1", now=NOW + 60)


@pytest.mark.usefixtures("one_rate_window")
def test_users_on_one_address_each_bring_their_share_over_http(
    client_with: Client, token_for: Callable[[str], str]
) -> None:
    """Through the API: two users on the test client's one address each use their own limit."""
    client = client_with(
        upload_rate_per_user=Limit(2, 3600), upload_rate_per_address=Limit(2, 3600)
    )
    assert [upload(client, token_for("ann")).status_code for _ in range(3)] == [200, 200, 429]
    assert [upload(client, token_for("bob")).status_code for _ in range(3)] == [200, 200, 429]


@pytest.fixture
def warning_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process's warning about untrusted proxies not yet given."""
    monkeypatch.setattr(rates, "_UNTRUSTED_PROXY_WARNING", rates._Once())


@pytest.mark.usefixtures("warning_once")
def test_a_private_peer_without_trusted_proxies_is_warned_about_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first request from a loopback or private peer, with no trusted proxies, logs one
    warning naming IMAGECORE_TRUSTED_PROXIES; no later request logs it again."""
    with caplog.at_level(logging.WARNING, logger="imagecore.http"):
        warn_if_proxied_unknowingly("93.184.216.34", ())
        warn_if_proxied_unknowingly("testclient", ())
        assert caplog.records == []
        for peer in ("127.0.0.1", "10.1.2.3", "::1", "192.168.0.4"):
            warn_if_proxied_unknowingly(peer, ())
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.name == "imagecore.http"
    assert "IMAGECORE_TRUSTED_PROXIES" in record.getMessage()
    assert "one address" in record.getMessage()


@pytest.mark.usefixtures("warning_once")
def test_no_warning_when_proxies_are_trusted(caplog: pytest.LogCaptureFixture) -> None:
    """With trusted proxies configured, a private peer is expected: nothing is logged."""
    with caplog.at_level(logging.WARNING, logger="imagecore.http"):
        warn_if_proxied_unknowingly("127.0.0.1", PROXIES)
    assert caplog.records == []


@pytest.mark.usefixtures("one_rate_window")
def test_deletes_are_limited_too(client_with: Client, token_for: Callable[[str], str]) -> None:
    """Deletes count against their own limit, refused or not."""
    client = client_with(delete_rate_per_user=Limit(2, 3600), delete_rate_per_address=None)
    auth = {"Authorization": f"Bearer {token_for('d')}"}
    assert client.delete(API + "?type=cover_image", headers=auth).status_code == 404
    assert client.delete(API + "?type=cover_image", headers=auth).status_code == 404
    refused = client.delete(API + "?type=cover_image", headers=auth)
    assert refused.status_code == 429
    assert refused.json()["error"].startswith("Too many deletes")


def test_reads_are_never_limited(client_with: Client, token_for: Callable[[str], str]) -> None:
    """GETs do not count: a page may poll as it likes."""
    client = client_with(upload_rate_per_user=Limit(1, 60), upload_rate_per_address=Limit(1, 60))
    auth = {"Authorization": f"Bearer {token_for('r')}"}
    assert all(client.get(API, headers=auth).status_code == 200 for _ in range(30))


PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("127.0.0.1/32"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("198.51.100.7", "203.0.113.9", (), "198.51.100.7"),
        ("127.0.0.1", "203.0.113.9", (), "127.0.0.1"),
        ("198.51.100.7", "203.0.113.9", PROXIES, "198.51.100.7"),
        ("10.1.2.3", "203.0.113.9", PROXIES, "203.0.113.9"),
        ("10.1.2.3", "6.6.6.6, 203.0.113.9, 10.9.9.9", PROXIES, "203.0.113.9"),
        ("127.0.0.1", "10.0.0.5", PROXIES, "127.0.0.1"),
        ("10.1.2.3", "not-an-address", PROXIES, "not-an-address"),
    ],
    ids=[
        "no proxies: header ignored",
        "no proxies, loopback peer: header ignored",
        "untrusted peer: header ignored",
        "trusted proxy: the forwarded client",
        "a chain: the nearest untrusted hop, not a spoofed first entry",
        "only proxies in the chain: the peer",
        "garbage after a trusted proxy is its own client key",
    ],
)
def test_the_client_address_believes_only_trusted_proxies(
    peer: str, forwarded: str, trusted: tuple[object, ...], expected: str
) -> None:
    """X-Forwarded-For names the client only when the peer is a proxy the deployment trusts."""
    assert client_address(peer, [forwarded], trusted) == expected  # type: ignore[arg-type]


def test_the_limits_in_force_are_published(
    client_with: Client, token_for: Callable[[str], str]
) -> None:
    """GET .../limits/ tells a client the byte, pixel, format, box and rate limits."""
    client = client_with(upload_rate_per_user=Limit(5, 60), delete_rate_per_address=None)
    auth = {"Authorization": f"Bearer {token_for('l')}"}
    assert client.get(API + "limits/").status_code == 401
    limits = client.get(API + "limits/", headers=auth).json()
    assert limits["max_upload_bytes"] == 1024 * 1024
    assert limits["max_pixels"] == 40_000_000
    assert limits["formats"] == ["JPEG", "PNG", "GIF", "WebP", "AVIF", "HEIC"]
    webp = "image/webp"
    assert limits["boxes"]["profile_image"] == {
        "width": 800,
        "height": 800,
        "mode": "fit",
        "variant_widths": [48, 96, 192, 384],
        "variant_type": webp,
    }
    assert limits["boxes"]["cover_image"] == {
        "width": 2400,
        "height": 1200,
        "mode": "fit",
        "variant_widths": [640, 1280, 1920],
        "variant_type": webp,
    }
    assert limits["rate_limits"]["upload"]["per_user"] == {"count": 5, "seconds": 60}
    assert limits["rate_limits"]["delete"]["per_address"] is None


def test_api_answers_are_never_cached(client: TestClient, auth: dict[str, str]) -> None:
    """Every API answer, success or error, says Cache-Control: no-store."""
    answers = [
        client.get(API, headers=auth),
        client.post(API, headers=auth, files={"profile_image": ("a.png", images.png())}),
        client.delete(API + "?type=profile_image", headers=auth),
        client.delete(API + "?type=profile_image", headers=auth),
        client.get(API),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 404, 401]
    assert all(a.headers["cache-control"] == "no-store" for a in answers)


def test_media_may_only_be_embedded_by_the_same_site(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Media carry nosniff, a closed CSP and Cross-Origin-Resource-Policy: same-site."""
    url = client.post(API, headers=auth, files={"cover_image": ("a.png", images.png())}).json()[
        "cover_image"
    ]
    headers = client.get(url).headers
    assert headers["cross-origin-resource-policy"] == "same-site"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'"


def test_cors_is_off_unless_origins_are_configured(
    client: TestClient, client_with: Client, auth: dict[str, str]
) -> None:
    """No Access-Control headers by default; the configured origins only, when set."""
    preflight = {
        "Origin": "https://resume.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    plain = client.options(API, headers=preflight)
    assert "access-control-allow-origin" not in plain.headers
    allowing = client_with(cors_origins=("https://resume.example",))
    allowed = allowing.options(API, headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://resume.example"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    other = allowing.get(API, headers={**auth, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    url = allowing.post(API, headers=auth, files={"cover_image": ("a.png", images.png())}).json()[
        "cover_image"
    ]
    assert allowing.get(url).headers["cross-origin-resource-policy"] == "cross-origin"
