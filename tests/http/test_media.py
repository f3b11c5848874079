"""Media files: served from storage with the right type, cache and safety headers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from litestar.testing import TestClient

from imagecore.adapters.fsspec_storage import CHUNK_BYTES, FsspecStorage
from tests import images
from tests.http.support import API

DEFAULT = "/media/resume/defaults/profile.png"


@pytest.fixture
def uploaded(client: TestClient, auth: dict[str, str]) -> dict[str, str]:
    """The URLs of a JPEG profile image and a PNG cover image just uploaded."""
    files = {"profile_image": ("a.jpg", images.jpeg()), "cover_image": ("b.png", images.png())}
    return client.post(API, headers=auth, files=files).json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("slot", "media_type"), [("profile_image", "image/jpeg"), ("cover_image", "image/png")]
)
def test_uploads_are_served_with_their_type_and_safety_headers(
    client: TestClient, uploaded: dict[str, str], slot: str, media_type: str
) -> None:
    """An uploaded image is served with its media type, nosniff, a closed CSP and a long cache."""
    response = client.get(uploaded[slot])
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "attachment" not in response.headers.get("content-disposition", "")
    assert images.decode(response.content).format == (
        "JPEG" if media_type == "image/jpeg" else "PNG"
    )


def test_an_etag_answers_304_when_unchanged(client: TestClient, uploaded: dict[str, str]) -> None:
    """A request with the ETag it was given gets 304 and no body; another ETag gets the file."""
    first = client.get(uploaded["cover_image"])
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = client.get(uploaded["cover_image"], headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    star = client.get(uploaded["cover_image"], headers={"If-None-Match": "*"})
    assert star.status_code == 304
    listed = client.get(uploaded["cover_image"], headers={"If-None-Match": f'"nope", W/{etag}'})
    assert listed.status_code == 304
    other = client.get(uploaded["cover_image"], headers={"If-None-Match": '"other"'})
    assert other.status_code == 200 and other.content == first.content


def test_head_gives_the_headers_without_the_body(
    client: TestClient, uploaded: dict[str, str]
) -> None:
    """HEAD answers like GET without a body."""
    get = client.get(uploaded["profile_image"])
    head = client.head(uploaded["profile_image"])
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "image/jpeg"
    assert head.headers["etag"] == get.headers["etag"]


def test_the_default_profile_image_is_served_the_same_way(client: TestClient) -> None:
    """The default image is a real PNG at the URL GET answers, with the same safety headers."""
    response = client.get(DEFAULT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'"
    assert "etag" in response.headers
    assert images.decode(response.content).size == (256, 256)


def test_media_needs_no_token(client: TestClient, uploaded: dict[str, str]) -> None:
    """Images load in an <img> tag, which sends no Authorization header."""
    assert client.get(uploaded["profile_image"], headers={}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/resume/images/profile_123_0000000000000000.jpg",
        "/media/jwt-secret",
        "/media/resume/images/..%2f..%2fjwt-secret",
        "/media/%2e%2e/jwt-secret",
        "/media/resume/images/%2e%2e/%2e%2e/jwt-secret",
        "/media/resume/defaults/profile.png%00.png",
        "/media/resume/images/",
        "/media/",
        "/media/resume/images/.hidden.png",
        "/media/resume/images/" + "a" * 5000 + ".png",
        "/media/resume/images/" + "a" * 200 + ".png",
    ],
)
def test_missing_files_and_escapes_are_404(client: TestClient, path: str, tmp_path: Path) -> None:
    """What does not exist, or tries to leave the media folders, answers 404 in the error shape."""
    (tmp_path / "media" / "resume" / "images").mkdir(parents=True, exist_ok=True)
    (tmp_path / "jwt-secret").write_text("TOP-SECRET")
    (tmp_path / "media" / "jwt-secret").write_text("TOP-SECRET")
    (tmp_path / "media" / "resume" / "images" / ".hidden.png").write_bytes(images.png())
    response = client.get(path)
    assert response.status_code == 404
    assert list(response.json()) == ["error"]
    assert "TOP-SECRET" not in response.text


def test_a_conditional_request_for_an_upload_reads_no_storage(
    client: TestClient,
    uploaded: dict[str, str],
    media: FsspecStorage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An upload's name never changes its bytes: its ETag comes from the name, and a request
    naming it is answered 304 before storage is read. Another ETag reads it again."""
    reads: list[str] = []
    stream = media.stream
    monkeypatch.setattr(media, "stream", lambda key: reads.append(key) or stream(key))
    first = client.get(uploaded["cover_image"])
    assert first.status_code == 200 and len(reads) == 1
    etag = first.headers["etag"]
    again = client.get(uploaded["cover_image"], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert len(reads) == 1
    other = client.get(uploaded["cover_image"], headers={"If-None-Match": '"other"'})
    assert other.status_code == 200 and len(reads) == 2
    # The default image may change with a release: its ETag still comes from its bytes.
    default = client.get(DEFAULT)
    assert (
        client.get(DEFAULT, headers={"If-None-Match": default.headers["etag"]}).status_code == 304
    )
    assert len(reads) == 2


def test_a_large_file_is_streamed_whole_with_its_length(
    client: TestClient, media: FsspecStorage
) -> None:
    """Sent a chunk at a time as storage reads it, with its Content-Length; HEAD reads none."""
    key = "resume/images/cover_123_00000000000000000000000000000000.jpg"
    data = os.urandom(5 * CHUNK_BYTES + 3)
    media.write(key, data)
    got = client.get("/media/" + key)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-length"] == str(len(data))
    assert got.headers["content-type"] == "image/jpeg"
    head = client.head("/media/" + key)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(data))


def test_any_version_of_a_missing_upload_is_still_404(client: TestClient) -> None:
    """If-None-Match: * asks for any version: it is 304 only for a file that exists."""
    missing = "/media/resume/images/profile_123_0000000000000000.jpg"
    assert client.get(missing, headers={"If-None-Match": "*"}).status_code == 404


def test_no_file_is_left_open_by_a_head_or_a_conditional_request(
    client: TestClient, media: FsspecStorage
) -> None:
    key = "resume/images/cover_123_00000000000000000000000000000000.jpg"
    media.write(key, os.urandom(3 * CHUNK_BYTES))
    open_before = len(os.listdir("/proc/self/fd"))
    assert client.head("/media/" + key).status_code == 200
    assert client.get("/media/" + key, headers={"If-None-Match": "*"}).status_code == 304
    assert client.get("/media/" + key).status_code == 200
    assert len(os.listdir("/proc/self/fd")) == open_before
