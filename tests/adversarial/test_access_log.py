"""Hostile requests against the access log: no path and no user id can end a log line, write a
terminal escape, or pass for another field; every field reads back as what was sent."""

from __future__ import annotations

import logging
import re
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient

from imagecore.adapters.http import AccessLog
from imagecore.adapters.http.access_log import escaped
from imagecore.adapters.web import edge_wording
from imagecore.app.server import build_app
from tests.adversarial.support import Target, token
from tests.http.support import API

LINE = re.compile(r"(\S+) (\S+) (\d{3}) [\d.]+ms user=(\S+)")


def unescaped(field: str) -> str:
    """What :func:`escaped` was given, read back from the log line."""
    return field.encode("ascii", "backslashreplace").decode("unicode_escape")


@pytest.fixture
def logged(target: Target, caplog: pytest.LogCaptureFixture) -> TestClient:  # type: ignore[type-arg]
    """A client for the app behind its access log, whose lines ``caplog`` records."""
    caplog.set_level(logging.INFO, logger="imagecore.access")
    client = TestClient(AccessLog(build_app(target.settings, wiring=target.wiring)))
    target.opened.append(client.__enter__())
    return client


def the_line(caplog: pytest.LogCaptureFixture) -> tuple[str, ...]:
    """The fields of the one access line the request left, checked to be one printable line."""
    (record,) = [r for r in caplog.records if r.name == "imagecore.access"]
    line = record.getMessage()
    assert line.isprintable(), repr(line)
    match = LINE.fullmatch(line)
    assert match, line
    return match.groups()


@pytest.mark.parametrize(
    "path",
    [
        "/x%0AGET%20/api/resume/user-images%20200%201.0ms%20user=admin",
        "/x%0D%0Aforged",
        "/x%1B[2J%1B[31mred",
        "/x%08%08%08%7F",
        "/x%C2%85next-line%E2%80%A8line-separator",
        "/x%E2%80%AEtxt.exe",  # right-to-left override
        "/a%20200%200.1ms%20user=admin",  # fields forged within the line
        "/x%5Cx0a",  # a backslash, so that \x0a above is not the same line as this
    ],
)
def test_a_path_cannot_forge_a_log_line(
    logged: TestClient,  # type: ignore[type-arg]
    caplog: pytest.LogCaptureFixture,
    path: str,
) -> None:
    """A 404 for a path of newlines, escapes, separators or spaces is one line, and its path
    field reads back as the path the app saw; the answer quotes the path escaped too."""
    response = logged.get(path)
    assert response.status_code == 404
    method, logged_path, status, user = the_line(caplog)
    assert (method, status, user) == ("GET", "404", "-")
    assert unescaped(logged_path) == urllib.parse.unquote(path)
    assert response.json()["error"] == edge_wording.route_not_found(urllib.parse.unquote(path))


@pytest.mark.parametrize(
    "user",
    [
        "alice\nGET /api/resume/user-images 200 0.1ms user=admin",
        "\x1b]0;owned\x07\x1b[2J",
        "a b",
        "back\\slash",
        "-",  # not the same as no user
    ],
)
def test_a_user_id_cannot_forge_a_log_line(
    logged: TestClient,  # type: ignore[type-arg]
    caplog: pytest.LogCaptureFixture,
    user: str,
) -> None:
    """A valid token whose sub holds a newline, escapes or spaces is served, and logged as one
    line whose user field reads back as the sub (and is never ``-``, which is no user)."""
    response = logged.get(API, headers={"Authorization": f"Bearer {token({'sub': user})}"})
    assert response.status_code == 200
    *_, logged_user = the_line(caplog)
    assert unescaped(logged_user) == user
    assert logged_user != "-"


@given(st.text())
def test_an_escaped_field_is_one_word_that_reads_back(field: str) -> None:
    """Any text, lone surrogates included, is escaped into printable characters without a
    space, from which it reads back exactly."""
    written = escaped(field)
    assert written.isprintable() and " " not in written
    assert unescaped(written) == field
