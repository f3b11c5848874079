"""Hostile and odd files, generated here: each is refused with nothing stored, or stored clean."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from imagecore.adapters.fsspec_storage import FsspecStorage
from litestar.testing import TestClient
from PIL import Image

from tests import images
from tests.http.conftest import API, uploaded_files

SCRIPT = b"<script>alert(document.cookie)</script>"


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _photo_with_gps() -> bytes:
    return images.phone_photo(6, size=(120, 80))


#: name -> (bytes, the payload that must not be stored) for files that are accepted.
ACCEPTED: dict[str, tuple[Callable[[], bytes], bytes | None]] = {
    "1x1 PNG": (lambda: images.png(size=(1, 1)), None),
    "1x20000 PNG": (lambda: images.png(size=(1, 20000)), None),
    "script after the JPEG trailer": (lambda: images.jpeg() + SCRIPT, SCRIPT),
    "script after the PNG trailer": (lambda: images.png() + SCRIPT, SCRIPT),
    "script in a JPEG comment": (lambda: images.jpeg(comment=SCRIPT), SCRIPT),
    "script in a PNG text chunk": (images.png_with_text, b"<script>"),
    "huge EXIF": (
        lambda: images.jpeg_with_segments(images.jpeg(), (0xE1, b"Exif\x00\x00" + b"E" * 65000)),
        b"E" * 64,
    ),
    "MPO phone picture": (
        lambda: images.encode(
            images.marked(), "MPO", save_all=True, append_images=[Image.new("RGB", (60, 40))]
        ),
        None,
    ),
    "CMYK JPEG": (lambda: images.encode(Image.new("CMYK", (30, 30), (0, 99, 99, 0)), "JPEG"), None),
    "16-bit PNG": (lambda: images.png16_rgb((30, 20), (65535, 1000, 30000)), None),
    **{
        f"EXIF orientation {n} with GPS": (
            lambda n=n: images.phone_photo(n),  # type: ignore[misc]
            b"SERIAL-12345",
        )
        for n in range(1, 9)
    },
}

#: name -> (bytes, what the error message must say) for files that are refused.
REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "PNG decompression bomb": (lambda: images.png_claiming_size(60_000, 60_000), "too large"),
    "GIF decompression bomb": (lambda: images.gif_claiming_size(60_000, 60_000), "too large"),
    "PNG just over the pixel limit": (lambda: images.png_claiming_size(8000, 5001), "too large"),
    "truncated JPEG": (lambda: _truncated(images.jpeg(size=(300, 200))), "corrupt or truncated"),
    "truncated PNG": (lambda: _truncated(images.png(size=(300, 200))), "corrupt or truncated"),
    "wrong magic": (lambda: b"\x89PNX" + images.png()[4:], "not an image"),
    "SVG with script": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "SVG files are not accepted",
    ),
    "HTML named .png": (lambda: b"<!DOCTYPE html><html>" + SCRIPT + b"</html>", "HTML files"),
    "PDF": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "PDF files"),
    "ZIP": (lambda: b"PK\x03\x04" + b"\x00" * 40, "ZIP files"),
    "zero bytes": (lambda: b"", "empty"),
    "TIFF": (lambda: images.encode(Image.new("RGB", (8, 8)), "TIFF"), "TIFF files"),
    "EPS": (lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n", "PostScript files"),
    "PSD": (lambda: b"8BPS\x00\x01" + b"\x00" * 40, "PSD files"),
    "animation over the frame budget": (
        lambda: images.encode(
            Image.new("RGB", (2, 2), "red"),
            "GIF",
            save_all=True,
            append_images=[Image.new("RGB", (2, 2), ("blue", "red")[i % 2]) for i in range(205)],
        ),
        "frames",
    ),
}


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
