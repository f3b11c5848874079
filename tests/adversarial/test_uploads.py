"""Hostile file names and hostile files: nothing of a name reaches storage, no program is run."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import pytest

from imagecore import ImageLimits, ImageRejected, Slot
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.policies import DEFAULT_POLICIES
from imagecore.rejections import UnsupportedImageType
from tests import images
from tests.adversarial.support import Target, token
from tests.http.hostile_files import ACCEPTED, REFUSED
from tests.http.support import API

STORED_NAME = re.compile(r"resume/covers/cover_123_[0-9a-f]{16}\.png")


@pytest.mark.parametrize(
    "filename",
    [
        "../../../etc/passwd.png",
        "..\\..\\windows\\win.ini.png",
        "a\x00b.png",
        "x" * 3000 + ".png",
        "CON",
        "NUL.png",
        "photo\u202egnp.exe",
        "résumé \u2013 photo.png",
        "/absolute/path.png",
        ".hidden.png",
    ],
    ids=[
        "dot-dot",
        "backslashes",
        "NUL",
        "3000 characters",
        "CON",
        "NUL.png",
        "RTL mark",
        "accents",
        "absolute",
        "hidden",
    ],
)
def test_a_file_name_never_reaches_storage(target: Target, filename: str) -> None:
    """Whatever the client calls its file, the stored name is ours alone."""
    files = {"cover_image": (filename, images.png(), "image/png")}
    response = target.client.post(API, headers={"Authorization": f"Bearer {token()}"}, files=files)
    assert response.status_code == 200, response.text
    key = response.json()["cover_image"].removeprefix("/media/")
    assert STORED_NAME.fullmatch(key)
    assert {f for f in target.files() if f.startswith("resume/covers/")} == {key}


@pytest.fixture
def programs_started() -> Iterator[list[str]]:
    """Every attempt to start a program in this process while the test runs."""
    started: list[str] = []
    watching = [True]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if watching[0] and event in {
            "subprocess.Popen",
            "os.system",
            "os.exec",
            "os.posix_spawn",
            "os.spawn",
            "os.fork",
            "os.forkpty",
        }:
            started.append(f"{event} {args!r:.200}")

    sys.addaudithook(hook)  # hooks cannot be removed: this one stops watching after the test
    yield started
    watching[0] = False


EXTERNAL_FORMATS = {
    "EPS (Ghostscript)": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
    "PostScript": b"%!PS\n/Times findfont 12 scalefont setfont\nshowpage\n",
    "PDF": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "SVG": b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
    "TIFF": images.encode(images.marked(), "TIFF"),
}


def test_no_file_ever_starts_a_program(programs_started: list[str]) -> None:
    """The whole hostile corpus, and formats whose decoders call out (EPS runs Ghostscript),
    go through the codec without a single program being started."""
    codec = PillowCodec()
    box, limits = DEFAULT_POLICIES[Slot.PROFILE].box, ImageLimits()
    corpus = [make() for make, _ in (*ACCEPTED.values(), *REFUSED.values())]
    refused = 0
    for data in corpus:
        try:
            codec.encode(data, box, limits)
        except ImageRejected:
            refused += 1
    assert refused == len(REFUSED)
    for data in EXTERNAL_FORMATS.values():
        # Refused by name before any decoder: had one of theirs run, the refusal would differ.
        with pytest.raises(UnsupportedImageType):
            codec.encode(data, box, limits)
    assert programs_started == []


def test_the_watch_would_see_a_program(programs_started: list[str]) -> None:
    """The audit hook does see a started program, so silence above means none was started."""
    import subprocess

    subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert any(event.startswith("subprocess.Popen") for event in programs_started)
