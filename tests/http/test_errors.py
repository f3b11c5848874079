"""Every error is {"error": "..."} with the right status, and changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from litestar.testing import TestClient

from imagecore import RepositoryError, UserImages
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import Wiring, open_wiring
from tests import images
from tests.http.support import API, stored_keys, uploaded_files


def error_of(response) -> str:  # type: ignore[no-untyped-def]
    """The error message, after checking the body is exactly {"error": str}."""
    body = response.json()
    assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"]
    assert response.headers["content-type"].startswith("application/json")
    return str(body["error"])


def test_no_field_is_400(client: TestClient, auth: dict[str, str]) -> None:
    """A multipart body without profile_image or cover_image is refused."""
    response = client.post(
        API, headers=auth, files={"avatar": ("a.png", images.png(), "image/png")}
    )
    assert response.status_code == 400
    assert error_of(response) == "No image was sent: send a 'profile_image' or 'cover_image' file."


def test_an_empty_body_is_400(client: TestClient, auth: dict[str, str]) -> None:
    """A POST with no body at all is a 400, not a 500."""
    response = client.post(API, headers=auth)
    assert response.status_code == 400
    error_of(response)


def multipart(*parts: tuple[bytes, bytes]) -> tuple[dict[str, str], bytes]:
    """Headers and body of a hand-made multipart form: (Content-Disposition params, content)."""
    body = b"".join(
        b"--b0und\r\nContent-Disposition: form-data; " + params + b"\r\n\r\n" + content + b"\r\n"
        for params, content in parts
    )
    return {"Content-Type": "multipart/form-data; boundary=b0und"}, body + b"--b0und--\r\n"


@pytest.mark.parametrize(
    ("parts", "status", "message"),
    [
        ([(b'name="profile_image"', b"hello")], 400, "The file is not an image."),
        (
            [
                (b'name="profile_image"; filename="a.png"', images.png()),
                (b'name="profile_image"; filename="b.png"', images.png()),
            ],
            400,
            "Send one 'profile_image' file, not several.",
        ),
        ([(b'name="profile_image"', images.png())], 200, None),
        (
            [(b'name="note"', b"\xff\xfe"), (b'name="cover_image"; filename="a"', images.png())],
            200,
            None,
        ),
    ],
    ids=["text", "twice", "no file name", "binary text field"],
)
def test_parts_are_judged_by_content_not_by_file_name(
    client: TestClient,
    auth: dict[str, str],
    media_files: Callable[[], set[str]],
    parts: list[tuple[bytes, bytes]],
    status: int,
    message: str | None,
) -> None:
    """A part without a file name (curl -F 'x=<file') is read like any other; text is no image;
    one field sent twice is refused; other fields are ignored."""
    headers, body = multipart(*parts)
    response = client.post(API, headers={**auth, **headers}, content=body)
    assert response.status_code == status
    if message is None:
        answer = response.json()
        own = [
            slot for slot, detail in answer["details"].items() if detail and not detail["default"]
        ]
        assert len(own) == 1
        assert media_files() == stored_keys(answer, own[0])
    else:
        assert error_of(response).startswith(message)
        assert media_files() == set()


def test_too_many_parts_are_refused(client: TestClient, auth: dict[str, str]) -> None:
    """A form of hundreds of parts is refused with 400 before they are all read."""
    headers, body = multipart(*[(f'name="f{n}"'.encode(), b"x") for n in range(500)])
    response = client.post(API, headers={**auth, **headers}, content=body)
    assert response.status_code == 400
    assert error_of(response) == "The form has too many parts: at most 16 are read."


def test_an_empty_file_input_is_ignored(client: TestClient, auth: dict[str, str]) -> None:
    """A browser form sends an empty file part for an empty input; the other image still goes."""
    headers, body = multipart(
        (b'name="profile_image"; filename=""', b""),
        (b'name="cover_image"; filename="c.png"', images.png()),
    )
    response = client.post(API, headers={**auth, **headers}, content=body)
    assert response.status_code == 200
    assert set(response.json()) == {"message", "cover_image", "details"}


@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/form-data; boundary=zz", "text/plain"]
)
def test_a_body_that_is_not_a_multipart_form_is_400(
    client: TestClient, auth: dict[str, str], content_type: str
) -> None:
    """JSON, text or broken multipart bodies answer 400 saying what the body must be."""
    response = client.post(
        API, headers={**auth, "Content-Type": content_type}, content=b'{"profile_image": 1}'
    )
    assert response.status_code == 400
    assert "multipart/form-data" in error_of(response)


def test_a_non_image_is_400_and_keeps_the_old_image(
    client: TestClient, auth: dict[str, str], media: FsspecStorage
) -> None:
    """Uploading a non-image answers 400; the previous image stays and no file is added."""
    url = client.post(API, headers=auth, files={"profile_image": ("a.png", images.png())}).json()[
        "profile_image"
    ]
    before = uploaded_files(media)
    response = client.post(
        API, headers=auth, files={"profile_image": ("evil.png", b"<?php system($_GET[1]); ?>")}
    )
    assert response.status_code == 400
    assert error_of(response) == (
        "The file is not an image. Accepted types: JPEG, PNG, GIF, WebP, AVIF, HEIC."
    )
    assert client.get(API, headers=auth).json()["images"]["profile_image"] == url
    assert client.get(url).status_code == 200
    assert uploaded_files(media) == before


def test_one_bad_file_of_two_changes_neither(
    client: TestClient, auth: dict[str, str], media: FsspecStorage
) -> None:
    """With both fields and one refused, neither image changes and nothing is stored."""
    response = client.post(
        API,
        headers=auth,
        files={"profile_image": ("a.png", images.png()), "cover_image": ("c.pdf", b"%PDF-1.4")},
    )
    assert response.status_code == 400
    assert error_of(response) == (
        "PDF files are not accepted. Accepted types: JPEG, PNG, GIF, WebP, AVIF, HEIC."
    )
    assert uploaded_files(media) == set()


def test_a_decompression_bomb_is_400(client: TestClient, auth: dict[str, str]) -> None:
    """A small file declaring billions of pixels is refused with 400 and a message."""
    bomb = images.png_claiming_size(100_000, 100_000)
    response = client.post(API, headers=auth, files={"cover_image": ("bomb.png", bomb)})
    assert response.status_code == 400
    assert "too large" in error_of(response)


def test_a_truncated_image_is_400(client: TestClient, auth: dict[str, str]) -> None:
    """A JPEG cut in half is refused with 400, not decoded and not a 500."""
    data = images.jpeg(size=(400, 300))
    response = client.post(
        API, headers=auth, files={"cover_image": ("a.jpg", data[: len(data) // 2])}
    )
    assert response.status_code == 400
    assert "The image is damaged: premature end of JPEG file." in error_of(response)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?type=",
        "?type=avatar",
        "?type=profile_image,cover_image",
        "?type=profile_image&type=cover_image",
        "?kind=profile_image",
    ],
)
def test_delete_needs_a_known_type(client: TestClient, auth: dict[str, str], query: str) -> None:
    """DELETE without a valid type answers 400 naming the accepted values."""
    response = client.delete(API + query, headers=auth)
    assert response.status_code == 400
    assert "'profile_image' or 'cover_image'" in error_of(response)


@pytest.mark.parametrize(
    ("slot", "label"), [("profile_image", "Profile image"), ("cover_image", "Cover image")]
)
def test_delete_of_an_empty_slot_is_404(
    client: TestClient, auth: dict[str, str], slot: str, label: str
) -> None:
    """Deleting an image that is not there answers 404 with a message naming it."""
    response = client.delete(f"{API}?type={slot}", headers=auth)
    assert response.status_code == 404
    assert error_of(response).startswith(f"{label} not found")


def test_an_unknown_route_is_404(client: TestClient, auth: dict[str, str]) -> None:
    """Routes the API does not have answer 404 in the error shape."""
    response = client.get("/api/resume/other/", headers=auth)
    assert response.status_code == 404
    assert error_of(response) == "Not found: /api/resume/other/"


@pytest.mark.parametrize("method", ["PUT"])
def test_a_wrong_method_is_405_with_allow(
    client: TestClient, auth: dict[str, str], method: str
) -> None:
    """Methods the route does not take answer 405 with an Allow header."""
    response = client.request(method, API, headers=auth)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "POST", "DELETE"} <= allowed
    assert error_of(response).startswith(f"Method {method} is not allowed here")


def test_a_body_over_the_limit_is_413(client: TestClient, auth: dict[str, str]) -> None:
    """A body larger than IMAGECORE_MAX_UPLOAD_BYTES (1 MB here) answers 413 and stores nothing."""
    big = b"\xff\xd8" + b"\x00" * (1024 * 1024 + 10)
    response = client.post(API, headers=auth, files={"profile_image": ("a.jpg", big)})
    assert response.status_code == 413
    assert error_of(response) == "The upload is too large: the limit is 1 MB (1,048,576 bytes)."


def test_413_is_decided_from_the_header_before_the_body_is_read(
    client: TestClient, auth: dict[str, str]
) -> None:
    """A declared Content-Length over the limit is refused from the header alone.

    The end-to-end tests show the same over a socket, where the body is never sent.
    """
    headers = {
        **auth,
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(4 * 1024**3),
    }
    response = client.post(API, headers=headers, content=b"--x--")
    assert response.status_code == 413
    error_of(response)


def test_a_streamed_body_over_the_limit_is_413(client: TestClient, auth: dict[str, str]) -> None:
    """A chunked body with no Content-Length is cut off with 413 once it passes the limit."""

    def body() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 65536

    headers = {**auth, "Content-Type": "multipart/form-data; boundary=x"}
    response = client.post(API, headers=headers, content=body())
    assert response.status_code == 413
    error_of(response)


class BrokenRepository(MemoryRepository):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get(self, user_id: str) -> UserImages:
        raise self.error


@pytest.fixture
def broken_client(
    settings: Settings, media: FsspecStorage
) -> Iterator[Callable[[Exception], TestClient]]:  # type: ignore[type-arg]
    """Makes a test client for the app over a repository whose reads raise the given error."""
    opened: list[Wiring] = []

    def make(error: Exception) -> TestClient:  # type: ignore[type-arg]
        wiring = open_wiring(settings, storage=media, repository=BrokenRepository(error))
        opened.append(wiring)
        return TestClient(build_app(settings, wiring=wiring))

    yield make
    for wiring in opened:
        wiring.close()


def test_an_unexpected_error_is_500_logged_and_hidden(
    broken_client: Callable[[Exception], TestClient],  # type: ignore[type-arg]
    auth: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug answers 500 with no internals in the body, and its stack trace goes to the log."""
    with (
        broken_client(RuntimeError("password=hunter2 in /srv/secret.py")) as client,
        caplog.at_level(logging.ERROR),
    ):
        response = client.get(API, headers=auth)
        assert response.status_code == 500
        assert error_of(response) == "Internal server error."
        assert "hunter2" not in response.text
        assert client.get("/media/resume/defaults/profile.png").status_code == 200
    failures = [r for r in caplog.records if r.exc_info and "hunter2" in str(r.exc_info[1])]
    assert failures and failures[0].levelno == logging.ERROR


def test_a_backend_failure_is_503(
    broken_client: Callable[[Exception], TestClient],
    auth: dict[str, str],  # type: ignore[type-arg]
) -> None:
    """A failing database answers 503 with a message that invites a retry."""
    with broken_client(RepositoryError("connection refused")) as client:
        response = client.get(API, headers=auth)
    assert response.status_code == 503
    assert error_of(response) == "The image database is unavailable; please try again later."


def test_the_server_keeps_serving_after_errors(client: TestClient, auth: dict[str, str]) -> None:
    """After a run of refusals the next good request succeeds."""
    client.post(API, headers=auth, files={"profile_image": ("x", b"junk")})
    client.post(
        API, headers=auth, files={"profile_image": ("x", images.png_claiming_size(9**6, 9**6))}
    )
    client.delete(API + "?type=nope", headers=auth)
    response = client.post(API, headers=auth, files={"profile_image": ("a.png", images.png())})
    assert response.status_code == 200
