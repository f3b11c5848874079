"""Default avatars of one's own over HTTP: with IMAGECORE_DEFAULT_PROFILE set, a user without a
profile image is shown initials from the token's name, or an identicon, the same each time,
served as SVG, and as WebP at the profile's variant widths, and cached as uploads are; the
guide's flows are unchanged."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import attrs
import pytest
from litestar.testing import TestClient
from PIL import Image

from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import issue_token
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import open_wiring
from tests import images
from tests.fonts import FONT, painter_or_skip
from tests.http.support import TOKENS

IMAGES = "/api/resume/user-images/"
GENERATED = "/media/resume/defaults/generated/"


def signed(user: str, name: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user, TOKENS, ttl=600, name=name)}"}


@pytest.fixture
def client_for(settings: Settings, media: FsspecStorage) -> Iterator[Callable[[str], TestClient]]:  # type: ignore[type-arg]
    """A client of a server whose empty profile slots show the given style."""
    opened: list[Any] = []

    def make(style: str) -> TestClient:  # type: ignore[type-arg]
        # DejaVu alone: no font with Chinese, on any machine.
        configured = attrs.evolve(settings, default_profile=style, avatar_fonts=(FONT,))
        wiring = open_wiring(configured, storage=media)
        opened.append(closing(wiring))
        client = TestClient(build_app(configured, wiring=wiring))
        opened.append(client)
        return client.__enter__()

    yield make
    for thing in reversed(opened):
        thing.__exit__(None, None, None)


def test_initials_from_the_token_s_name_the_same_every_time(client_for: Any) -> None:
    client = client_for("initials")
    body = client.get(IMAGES, headers=signed("42", "Ada Lovelace")).json()
    url = body["images"]["profile_image"]
    assert url.startswith(GENERATED + "initials-") and url.endswith("-414c.svg")  # "AL"
    detail = body["details"]["profile_image"]
    assert detail["default"] is True and detail["media_type"] == "image/svg+xml"
    assert detail["placeholder"]["color"].startswith("#")
    assert client.get(IMAGES, headers=signed("42", "Ada Lovelace")).json() == body
    served = client.get(url)
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["content-security-policy"] == "default-src 'none'"
    assert b">AL</text>" in served.content
    # No cover default, as before; another user gets their own initials.
    assert body["images"]["cover_image"] is None
    other = client.get(IMAGES, headers=signed("43", "Grace Hopper")).json()
    assert other["images"]["profile_image"].endswith("-4748.svg")  # "GH"


def test_an_identicon_without_a_name_and_the_upload_replaces_it(client_for: Any) -> None:
    client = client_for("initials")
    shown = client.get(IMAGES, headers=signed("7")).json()["images"]["profile_image"]
    assert shown.startswith(GENERATED + "identicon-")
    uploaded = client.post(
        IMAGES, files={"profile_image": images.png((300, 300))}, headers=signed("7")
    ).json()
    assert uploaded["details"]["profile_image"]["default"] is False
    deleted = client.delete(f"{IMAGES}?type=profile_image", headers=signed("7"))
    assert deleted.json() == {"message": "Profile image deleted successfully"}
    assert client.get(IMAGES, headers=signed("7")).json()["images"]["profile_image"] == shown


def test_the_image_style_keeps_the_shipped_picture(client_for: Any) -> None:
    client = client_for("image")
    shown = client.get(IMAGES, headers=signed("7", "Ada")).json()["images"]["profile_image"]
    assert shown == "/media/resume/defaults/profile.png"


def test_a_key_that_is_no_avatar_is_not_found(client_for: Any) -> None:
    client = client_for("identicon")
    assert client.get(GENERATED + "initials-03-3c.svg").status_code == 404
    assert client.get(GENERATED + "identicon-99-0004.svg").status_code == 404
    assert client.get(GENERATED + "identicon-03-0004_w64.webp").status_code == 404


def test_the_avatar_comes_as_webp_at_the_profile_s_variant_widths(client_for: Any) -> None:
    """details lists a WebP of the avatar at each profile variant width narrower than the SVG,
    in srcset too; each is served as an upload's variant is, and decodes at its width."""
    painter_or_skip()
    client = client_for("initials")
    body = client.get(IMAGES, headers=signed("42", "Ada Lovelace")).json()
    detail = body["details"]["profile_image"]
    svg = detail["url"]
    variants = detail["variants"]
    assert [(v["media_type"], v["width"], v["height"]) for v in variants] == [
        ("image/webp", width, width) for width in (48, 96, 192)
    ]
    for variant in variants:
        stem = re.escape(svg.removesuffix(".svg"))
        assert re.fullmatch(rf"{stem}_w{variant['width']}_[0-9a-f]{{8}}\.webp", variant["url"])
        served = client.get(variant["url"])
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/webp"
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        picture = Image.open(io.BytesIO(served.content))
        assert (picture.format, picture.size) == ("WEBP", (variant["width"],) * 2)
    assert detail["srcset"] == ", ".join(
        [*(f"{v['url']} {v['width']}w" for v in variants), f"{svg} 256w"]
    )
    # Initials no font of the server has: the SVG alone, drawn in the browser's fonts.
    chinese = client.get(IMAGES, headers=signed("43", "李小龍")).json()["details"]["profile_image"]
    assert chinese["variants"] == [] and chinese["srcset"] == f"{chinese['url']} 256w"
    edition = variants[0]["url"].rpartition("_")[2]  # the same for every avatar
    assert client.get(chinese["url"].removesuffix(".svg") + f"_w48_{edition}").status_code == 404
