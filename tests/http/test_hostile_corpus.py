"""Hostile and odd files, generated here: each is refused with nothing stored, or stored clean."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from imagecore.adapters.fsspec_storage import FsspecStorage
from tests import images
from tests.http.hostile_files import ACCEPTED, REFUSED
from tests.http.support import API, uploaded_files


@pytest.fixture
def with_previous_image(client: TestClient, auth: dict[str, str]) -> str:
    """The URL of a profile image already in place."""
    files = {"profile_image": ("a.png", images.png(color=(1, 2, 3)))}
    return str(client.post(API, headers=auth, files=files).json()["profile_image"])


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_files_change_nothing(
    client: TestClient,
    auth: dict[str, str],
    media: FsspecStorage,
    with_previous_image: str,
    name: str,
) -> None:
    """400 with a message; the previous image stays; no file is added; the next call works."""
    make, says = REFUSED[name]
    before = uploaded_files(media)
    response = client.post(
        API, headers=auth, files={"profile_image": ("evil.png", make(), "image/png")}
    )
    assert response.status_code == 400, response.text
    assert list(response.json()) == ["error"]
    assert says in response.json()["error"]
    assert uploaded_files(media) == before
    assert client.get(API, headers=auth).json()["images"]["profile_image"] == with_previous_image


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_accepted_files_are_stored_without_their_payload(
    client: TestClient, auth: dict[str, str], media: FsspecStorage, name: str
) -> None:
    """200; the stored file is a clean re-encoding: its payload, if any, is gone."""
    make, payload = ACCEPTED[name]
    data = make()
    if payload is not None:
        assert payload in data
    response = client.post(API, headers=auth, files={"profile_image": ("photo.jpg", data)})
    assert response.status_code == 200, response.text
    url = response.json()["profile_image"]
    served = client.get(url)
    assert served.status_code == 200
    if payload is not None:
        assert payload not in served.content
    assert b"SERIAL-12345" not in served.content and b"secret comment" not in served.content
    assert media.read(url.removeprefix("/media/")) == served.content
    assert images.decode(served.content).format in {"JPEG", "PNG", "GIF", "WEBP"}
