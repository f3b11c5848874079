"""A catalog of hostile requests. Each is answered with its status and an {"error"} body, and
leaves everything as it was: no file written, the old image still served, the server answering.

The requests are made in :mod:`tests.adversarial.hostile`; the tokens are in
:mod:`tests.adversarial.catalog_tokens`.
"""

from __future__ import annotations

import socket

import pytest
from PIL import Image

from tests import images
from tests.adapters.test_phone_formats import nested_grids
from tests.adapters.test_phone_formats import padding as av1_padding
from tests.adversarial.catalog_tokens import TOKENS
from tests.adversarial.hostile import (
    MULTIPART,
    PNG,
    Hostile,
    Send,
    chunked,
    delete,
    form,
    get,
    media,
    method,
    other_user_guess,
    patch,
    post,
)
from tests.adversarial.support import Target, token
from tests.http.support import API


def upload_of(data: bytes) -> Send:
    return post(form(('name="profile_image"; filename="a"', data)), MULTIPART)


CATALOG = [
    *TOKENS,
    # --- Files that cost far more to decode than their size says ------------------------------
    Hostile(
        "a progressive JPEG whose thousands of scans each walk every block again",
        upload_of(images.scan_bomb()),
        400,
        "the limit is 64 scans",
    ),
    Hostile(
        "a 1x1 GIF whose frames, placed far off, grow its canvas to 9000x9900",
        upload_of(images.gif_with_frames_at(*[(0, 0), *[(8999, 9899)] * 198])),
        400,
        "the limit is 40,000,000 pixels",
    ),
    Hostile(
        "a 2 KB lossless WebP that decodes to 40 million pixels, over the memory budget",
        upload_of(images.encode(Image.new("RGBA", (16383, 2441), "red"), "WEBP", lossless=True)),
        400,
        "of memory to decode",
    ),
    Hostile(
        "a scan bomb behind 1,001 empty comments, where a walk that gave up counted no scans",
        upload_of(images.scan_bomb()[:2] + b"\xff\xfe\x00\x02" * 1001 + images.scan_bomb()[2:]),
        400,
        "segments do not lead to its image data",
    ),
    Hostile(
        "a HEIF of four grids nested, each listing the next 256 times (a walk per listing)",
        upload_of(nested_grids(levels=4, listings=256)),
        400,
        "damaged",
    ),
    Hostile(
        "an AVIF whose frame size is hidden behind 5 KB of AV1 padding units",
        upload_of(
            images.heif_item_prefixed(
                images.avif(Image.new("RGB", (64, 64), "grey")), 1, av1_padding(100) * 50
            )
        ),
        400,
        "could not be read",
    ),
    # --- Multipart and request -----------------------------------------------------------------
    Hostile(
        "a body over the limit, with Content-Length",
        post(
            form(('name="profile_image"; filename="a.png"', b"\x89PNG" + b"\0" * 300_000)),
            MULTIPART,
        ),
        413,
        "too large",
    ),
    Hostile(
        "a body over the limit, chunked",
        chunked(form(('name="profile_image"; filename="a.png"', b"\x89PNG" + b"\0" * 300_000))),
        413,
        "too large",
    ),
    Hostile(
        "JSON instead of multipart",
        post(b'{"profile_image": "aGk="}', "application/json"),
        400,
        "must be multipart/form-data",
    ),
    Hostile(
        "urlencoded instead of multipart",
        post(b"profile_image=hi", "application/x-www-form-urlencoded"),
        400,
        "must be multipart/form-data",
    ),
    Hostile(
        "multipart without a boundary",
        post(form(('name="profile_image"', PNG)), "multipart/form-data"),
        400,
        "must be multipart/form-data",
    ),
    Hostile(
        "a boundary that is not the body's",
        post(form(('name="profile_image"', PNG)), "multipart/form-data; boundary=other"),
        400,
        "malformed",
    ),
    Hostile(
        "truncated before the closing delimiter",
        post(form(('name="profile_image"; filename="a.png"', PNG), end=False), MULTIPART),
        400,
        "malformed",
    ),
    Hostile(
        "more parts than the limit",
        post(form(*[(f'name="f{n}"', b"x") for n in range(17)]), MULTIPART),
        400,
        "too many parts",
    ),
    Hostile(
        "two profile_image parts",
        post(
            form(
                ('name="profile_image"; filename="a.png"', PNG),
                ('name="profile_image"; filename="b.png"', PNG),
            ),
            MULTIPART,
        ),
        400,
        "Send one 'profile_image' file",
    ),
    Hostile(
        "a text value in a file field",
        post(form(('name="cover_image"', b"hello")), MULTIPART),
        400,
        "not an image",
    ),
    Hostile(
        "a file part without a file name, not an image",
        post(form(('name="cover_image"', b"<html>")), MULTIPART),
        400,
        "HTML files are not accepted",
    ),
    Hostile(
        "an empty file",
        post(form(('name="cover_image"; filename="a.png"', b"")), MULTIPART),
        400,
        "The file is empty",
    ),
    Hostile(
        "a part header over 4 KB",
        post(form((f'name="cover_image"; filename="{"a" * 5000}.png"', PNG)), MULTIPART),
        400,
        "header length exceeded",
    ),
    Hostile("multipart with an empty body", post(b"", MULTIPART), 400, "malformed"),
    Hostile(
        "no image field at all",
        post(form(('name="avatar"; filename="a.png"', PNG)), MULTIPART),
        400,
        "No image was sent",
    ),
    # --- Paths ---------------------------------------------------------------------------------
    Hostile("dot-dot in a media path", media("/media/resume/images/%2e%2e/%2e%2e/jwt-secret"), 404),
    Hostile(
        "an encoded slash in a media path",
        media("/media/resume%2fimages%2f..%2f..%2fjwt-secret"),
        404,
    ),
    Hostile("backslashes in a media path", media("/media/resume/images/..%5c..%5cjwt-secret"), 404),
    Hostile("an absolute path after /media/", media("/media//etc/passwd"), 404),
    Hostile("a NUL in a media path", media("/media/resume/images/profile_123.png%00.txt"), 404),
    Hostile("another user's file, guessed from the user id", other_user_guess, 404),
    Hostile(
        "a symlink planted in an image folder",
        media("/media/resume/images/profile_123_link.png"),
        404,
    ),
    Hostile("a temporary file name", media("/media/resume/images/.profile_123_x.png.tmp"), 404),
    Hostile("a name of 300 characters", media("/media/resume/images/" + "p" * 300 + ".png"), 404),
    Hostile("a file of another type", media("/media/resume/images/profile_123_0000.svg"), 404),
    # --- Methods and routes --------------------------------------------------------------------
    Hostile(
        "an unknown route",
        lambda t: t.client.get(
            "/api/resume/other/", headers={"Authorization": f"Bearer {token()}"}
        ),
        404,
        "Not found",
    ),
    Hostile(
        "a path below the images",
        lambda t: t.client.get(API + "123", headers={"Authorization": f"Bearer {token()}"}),
        404,
        "Not found",
    ),
    Hostile("a page under /schema that is not there", get("/schema/nope"), 404, "Not found"),
    Hostile(
        "Swagger's OAuth2 redirect page, which the docs do not use",
        get("/schema/oauth2-redirect.html"),
        404,
        "Not found",
    ),
    Hostile("a script under /schema", get("/schema/%3Cscript%3E"), 404, "Not found"),
    Hostile("PUT", method("PUT"), 405, "Method PUT is not allowed"),
    Hostile(
        "a PATCH of descriptions that is not JSON",
        method("PATCH"),
        400,
        "must be a JSON object",
    ),
    Hostile(
        "a description that turns text around with a right-to-left override",
        patch({"profile_image_alt": "Me at the beach\u202egnp.exe"}),
        400,
        "invisible characters",
    ),
    Hostile(
        "a description hidden in zero-width spaces and a byte order mark",
        patch({"profile_image_alt": "\ufeffok\u200b\u200b\u200b"}),
        400,
        "invisible characters",
    ),
    Hostile(
        "a description of a letter under 999 combining marks",
        patch({"profile_image_alt": "Z" + "\u0336" * 999}),
        400,
        # 1,000 characters fit the length limit: the marks are what is refused
        "combining marks",
    ),
    Hostile(
        "a PATCH whose unknown field name is 30 KB of text and escapes",
        patch({"\x1b[2J" + "x" * 30_000: "hi"}),
        400,
        # the first 40 characters, the escape written out, and an ellipsis for the rest
        "Unknown field '\\x1b[2J" + "x" * 36 + "…'",
    ),
    Hostile("DELETE without type", delete(""), 400, "'profile_image' or 'cover_image'"),
    Hostile(
        "DELETE with an unknown type",
        delete("?type=avatar"),
        400,
        "'profile_image' or 'cover_image'",
    ),
    Hostile(
        "DELETE with type repeated",
        delete("?type=cover_image&type=profile_image"),
        400,
        "'profile_image' or 'cover_image'",
    ),
    Hostile(
        "DELETE with types comma-joined",
        delete("?type=profile_image,cover_image"),
        400,
        "'profile_image' or 'cover_image'",
    ),
    Hostile(
        "DELETE with the type in capitals",
        delete("?type=PROFILE_IMAGE"),
        400,
        "'profile_image' or 'cover_image'",
    ),
]


@pytest.mark.parametrize("case", CATALOG, ids=[case.doc for case in CATALOG])
def test_hostile_requests_change_nothing(target: Target, case: Hostile) -> None:
    """The status and {"error"} body expected; no file written; the old image still served."""
    before = target.files()
    response = case.send(target)
    assert response.status_code == case.status, response.text
    if case.status >= 400:
        body = response.json()
        assert list(body) == ["error"], body
        if case.says is not None:
            assert case.says in body["error"], body["error"]
        assert "TOP SECRET" not in response.text
    if case.status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    if case.status == 405:
        assert {"GET", "POST", "DELETE"} <= {
            m.strip() for m in response.headers["allow"].split(",")
        }
    assert target.files() == before
    headers = {"Authorization": f"Bearer {token()}"}
    assert (
        target.client.get(API, headers=headers).json()["images"]["profile_image"] == target.old_url
    )
    assert target.client.get(target.old_url).status_code == 200


def test_the_catalog_is_large() -> None:
    """At least fifty hostile cases, each with its own description."""
    assert len(CATALOG) >= 50
    assert len({case.doc for case in CATALOG}) == len(CATALOG)


@pytest.mark.parametrize("header", ["kid", "jku", "x5u"])
def test_key_locations_in_a_token_are_never_fetched(target: Target, header: str) -> None:
    """kid, jku and x5u pointing at a server are ignored: no connection is ever made to it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        where = f"http://127.0.0.1:{listener.getsockname()[1]}/keys.json"
        value = "../../../../dev/null" if header == "kid" else where
        response = target.client.get(
            API, headers={"Authorization": f"Bearer {token(**{header: value})}"}
        )
        assert response.status_code == 200  # the key is the configured one, whatever the token says
        with pytest.raises(TimeoutError):
            listener.accept()
