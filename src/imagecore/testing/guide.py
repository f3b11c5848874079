"""The API guide as a contract: every host of its API (the standalone service, a Django or a
FastAPI app embedding the core) answers the same requests with the same statuses, headers and
bytes.

A host under test is driven through :class:`GuideHost`: a test client or a real server, any
framework. It must run with the settings of :data:`HOST_SETTINGS`, so that the limits it states
and the refusals it gives are the ones the transcript holds. Subclass :class:`GuideContract`
and give it a ``guide`` fixture (:mod:`imagecore.testing.guide_host` has the host's side)::

    from imagecore.testing.guide_host import HttpxHost

    class TestMyHost(GuideContract):
        @pytest.fixture
        def guide(self, my_server):
            return HttpxHost(httpx.Client(base_url=my_server), users=my_users)

The one test that matters, :meth:`GuideContract.test_every_answer_is_the_guide_s_byte_for_byte`,
runs a script of requests (every message and status of the guide, ``details``, PATCH, crops,
descriptions, 401, 413, 429, 503, media and its 304) and compares each answer with the
transcript shipped beside this module, once the parts that must differ are masked: the random
part of a stored name, the user id it shows, the host's media URL, a Retry-After's seconds, and the
sentence of a 401, which is the host's own authentication's.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from imagecore.testing.guide_bodies import JPEG, as_json, form, png
from imagecore.testing.guide_host import Answer, GuideHost

#: Where the transcript lives; ``IMAGECORE_WRITE_TRANSCRIPT=1`` rewrites it from a run.
TRANSCRIPT = Path(__file__).with_name("guide_transcript.json")

#: The settings a host under test runs with, in words; each binding's test builds them its way.
HOST_SETTINGS = {
    "max_upload_bytes": 2**20,
    "body_budget_per_address": 512 * 2**10,
    "rate_limits": "deletes: 4 per hour per user; nothing else",
    "codec": "PillowCodec(), the default policies",
}

#: The headers an answer is compared on.
COMPARED_HEADERS = (
    "allow",
    "content-type",
    "cache-control",
    "retry-after",
    "www-authenticate",
    "etag",
    "x-content-type-options",
)


# --- The script and its transcript --------------------------------------------------------------


@attrs.define
class Run:
    """One run of the script against a host: what it sent, and what it got, masked."""

    host: GuideHost
    entries: list[dict[str, Any]] = attrs.field(factory=list)
    #: The URLs the answers gave, by name, for later steps to ask for.
    urls: dict[str, str] = attrs.field(factory=dict)

    def auth(self, label: str) -> dict[str, str]:
        return self.host.user(label)[1]

    def step(
        self,
        title: str,
        method: str,
        url: str,
        *,
        user: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: tuple[dict[str, str], bytes] | None = None,
        chunked: bool = False,
    ) -> Answer:
        sent = {**(self.auth(user) if user else {}), **(headers or {})}
        content = b""
        if body is not None:
            sent.update(body[0])
            content = body[1]
        answer = self.host.send(method, url, sent, content, chunked=chunked)
        self.entries.append({"step": title, **self.masked(answer)})
        return answer

    def masked(self, answer: Answer) -> dict[str, Any]:
        headers = {k.lower(): v for k, v in answer.headers.items()}
        shown = {name: self.mask(headers[name]) for name in COMPARED_HEADERS if name in headers}
        if "retry-after" in shown:
            shown["retry-after"] = "<seconds>" if shown["retry-after"].isdigit() else "<bad>"
        if answer.status == 401:
            # Who is signed in is the host's own authentication's to say, in its own words.
            error = json.loads(answer.body)["error"]
            assert isinstance(error, str) and error, "a 401 says why"
            body: Any = '{"error":"<the host\'s own sentence>"}'
        elif headers.get("content-type", "").startswith("application/json"):
            body = self.mask(answer.body.decode())
        else:
            body = {"bytes": len(answer.body), "sha256": hashlib.sha256(answer.body).hexdigest()}
        return {"status": answer.status, "headers": shown, "body": body}

    def mask(self, text: str) -> str:
        text = text.replace(self.host.media, "<media>/")
        # A stored name shows a user id that is a short number (a host's user model's), not one
        # that is not (a token's "ada").
        text = re.sub(r"\b(profile|cover)_\d{1,12}_(?=[0-9a-f]{16}[._])", r"\1_", text)
        text = re.sub(r"_[0-9a-f]{16}(?=[._])", "_<unique>", text)
        if text.startswith('"') and text.endswith('"') and len(text) == 34:
            text = '"<etag of a name>"'  # an upload's ETag comes from its (random) name
        return re.sub(r"(Try again in) [^.]*\.", r"\1 <time>.", text)


def run_script(host: GuideHost) -> Run:
    """The guide's flows, and the refusals around them, as one script."""
    run = Run(host)
    api = host.api
    run.step("GET without credentials", "GET", api)
    run.step("GET of a new user: the default profile image", "GET", api, user="ada")
    profile = run.step(
        "POST a profile image",
        "POST",
        api,
        user="ada",
        body=form(("profile_image", "me.png", png(120, 90))),
    )
    run.urls["profile"] = json.loads(profile.body)["profile_image"]
    cover = run.step(
        "POST a cover image with its description and crop",
        "POST",
        api,
        user="ada",
        body=form(
            ("cover_image", "hill.jpg", JPEG),
            ("cover_image_alt", None, b"A hill at dawn"),
            ("cover_image_crop", None, b"0,0,40,20"),
        ),
    )
    run.urls["cover"] = json.loads(cover.body)["cover_image"]
    current = run.step("GET after both", "GET", api, user="ada")
    details = json.loads(current.body)["details"]
    run.step(
        "POST both in one request",
        "POST",
        api.rstrip("/"),
        user="bea",
        body=form(("profile_image", "p.jpg", JPEG), ("cover_image", "c.png", png(64, 20))),
    )
    shown = run.step("GET the profile image's file", "GET", run.urls["profile"])
    etag = shown.headers.get("etag", "")
    run.step(
        "GET it again, naming its ETag", "GET", run.urls["profile"], headers={"If-None-Match": etag}
    )
    run.step("GET a variant's file", "GET", details["profile_image"]["variants"][0]["url"])
    default = run.step("GET of a new user again", "GET", api, user="cai")
    default_url = json.loads(default.body)["images"]["profile_image"]
    run.step("GET the default profile image's file", "GET", default_url)
    run.step(
        "GET a file that is not there",
        "GET",
        host.media + "resume/images/profile_1_0000000000000000.png",
    )
    run.step(
        "PATCH a description", "PATCH", api, user="ada", body=as_json({"profile_image_alt": "Ada"})
    )
    run.step(
        "PATCH with an unknown field", "PATCH", api, user="ada", body=as_json({"avatar_alt": "x"})
    )
    run.step(
        "PATCH an empty slot", "PATCH", api, user="cai", body=as_json({"cover_image_alt": "x"})
    )
    run.step(
        "PATCH that is not JSON",
        "PATCH",
        api,
        user="ada",
        body=({"Content-Type": "application/json"}, b"{"),
    )
    run.step("POST without a file", "POST", api, user="ada", body=form(("other", None, b"x")))
    run.step("POST that is not a form", "POST", api, user="ada", body=as_json({}))
    run.step(
        "POST a text file", "POST", api, user="ada", body=form(("profile_image", "a.png", b"hello"))
    )
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    run.step("POST an SVG", "POST", api, user="ada", body=form(("cover_image", "a.svg", svg)))
    run.step(
        "POST a truncated PNG",
        "POST",
        api,
        user="ada",
        body=form(("cover_image", "t.png", png()[:300])),
    )
    run.step(
        "POST a crop outside the picture",
        "POST",
        api,
        user="ada",
        body=form(("cover_image", "c.jpg", JPEG), ("cover_image_crop", None, b"30,0,40,20")),
    )
    run.step(
        "POST a description too long",
        "POST",
        api,
        user="ada",
        body=form(("profile_image", "p.png", png()), ("profile_image_alt", None, b"x" * 2000)),
    )
    run.step("GET after the refusals: nothing changed", "GET", api, user="ada")
    big = form(("cover_image", "big.jpg", JPEG + b"\x00" * (600 * 2**10)))
    run.step("POST more than the body budget allows one address", "POST", api, user="ada", body=big)
    huge = form(("cover_image", "huge.jpg", JPEG + b"\x00" * (2**20 + 1)))
    run.step("POST over the upload limit", "POST", api, user="ada", body=huge)
    run.step("DELETE the profile image", "DELETE", api + "?type=profile_image", user="ada")
    run.step("DELETE it again", "DELETE", api + "?type=profile_image", user="ada")
    run.step("DELETE an unknown type", "DELETE", api + "?type=avatar", user="ada")
    run.step("DELETE without a type", "DELETE", api, user="ada")
    run.step("GET after the delete", "GET", api, user="ada")
    run.step("GET the deleted file", "GET", run.urls["profile"])
    for n in range(1, 6):
        run.step(
            f"DELETE number {n} of a user with nothing",
            "DELETE",
            api + "?type=cover_image",
            user="dan",
        )
    run.step(
        "POST a cover image as chunks, without a Content-Length",
        "POST",
        api,
        user="eli",
        body=form(("cover_image", "c.png", png(64, 20))),
        chunked=True,
    )
    run.step("OPTIONS of the images' path", "OPTIONS", api, user="ada")
    run.step("PUT is not a method of the guide", "PUT", api, user="ada")
    run.step("POST to the limits", "POST", api + "limits/", user="ada")
    run.step("OPTIONS of a media file", "OPTIONS", default_url)
    run.step("POST to a media file", "POST", default_url)
    run.step("GET the limits", "GET", api + "limits/", user="ada")
    return run


class GuideContract:
    """The guide's answers, byte for byte; subclass it and provide a ``guide`` fixture."""

    @pytest.fixture
    def guide(self) -> GuideHost:
        raise NotImplementedError("provide a `guide` fixture: the host under test")

    def test_every_answer_is_the_guide_s_byte_for_byte(self, guide: GuideHost) -> None:
        run = run_script(guide)
        if _writing():
            TRANSCRIPT.write_text(json.dumps(run.entries, indent=1, ensure_ascii=False) + "\n")
        expected = json.loads(TRANSCRIPT.read_text())
        assert [e["step"] for e in run.entries] == [e["step"] for e in expected]
        for got, want in zip(run.entries, expected, strict=True):
            assert got == want, f"step {want['step']!r}:\n got {got}\nwant {want}"

    def test_the_guide_s_messages(self, guide: GuideHost) -> None:
        """The guide's own sentences and statuses, spelled out (the transcript holds them all;
        these are the ones a client written from the guide reads)."""
        run = Run(guide)
        api = guide.api
        answer = run.step("", "POST", api, user="eve", body=form(("profile_image", "p.png", png())))
        body = json.loads(answer.body)
        assert answer.status == 200 and body["message"] == "Profile image uploaded successfully"
        assert set(body) == {"message", "profile_image", "details"}
        answer = run.step("", "POST", api, user="eve", body=form(("cover_image", "c.jpg", JPEG)))
        assert json.loads(answer.body)["message"] == "Cover image uploaded successfully"
        images = json.loads(run.step("", "GET", api, user="eve").body)["images"]
        assert set(images) == {"profile_image", "cover_image"}
        assert run.step("", "GET", images["cover_image"]).status == 200
        deleted = run.step("", "DELETE", api + "?type=cover_image", user="eve")
        assert json.loads(deleted.body) == {"message": "Cover image deleted successfully"}
        deleted = run.step("", "DELETE", api + "?type=profile_image", user="eve")
        assert json.loads(deleted.body) == {"message": "Profile image deleted successfully"}
        assert run.step("", "GET", images["cover_image"]).status == 404
        assert run.step("", "GET", api).status == 401


def _writing() -> bool:
    import os

    return os.environ.get("IMAGECORE_WRITE_TRANSCRIPT") == "1"
