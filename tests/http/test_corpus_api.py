"""The corpus through the API: each file answered 200 and served whole and upright, the very bytes
the codec gives in-process (the app decodes in child processes, on the server's budget), or 400
with a message that names the problem, the old image still in place and nothing stored; never a
500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar.testing import TestClient

from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.app.settings import Settings
from tests import images
from tests.corpus import CASES, Case, looks
from tests.http.support import API


@pytest.fixture
def old_cover(client: TestClient, auth: dict[str, str]) -> str:  # type: ignore[type-arg]
    """User 123's cover before the corpus file is sent."""
    sent = client.post(API, headers=auth, files={"cover_image": ("old.png", images.png())})
    url: str = sent.json()["cover_image"]
    return url


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_file_is_stored_whole_or_refused_saying_why(
    case: Case,
    client: TestClient,  # type: ignore[type-arg]
    auth: dict[str, str],
    old_cover: str,
    media_files: Callable[[], set[str]],
    settings: Settings,
) -> None:
    """A good file is served complete and as a browser shows it; a damaged one is refused with
    its problem named, and the cover shown before is still shown, with nothing new stored."""
    before = media_files()
    data = case.make()
    sent = client.post(API, headers=auth, files={"cover_image": ("upload", data)})
    if case.stored:
        assert sent.status_code == 200, sent.text
        served = client.get(sent.json()["cover_image"])
        assert served.status_code == 200
        in_process = PillowCodec(stills_as_webp=settings.stills_as_webp)
        assert served.content == in_process.encode(data, settings.cover_box, settings.limits).data
        stored = images.decode(served.content)
        assert getattr(stored, "n_frames", 1) == case.frames
        assert looks(stored) == case.upright
        return
    assert sent.status_code == 400, sent.text
    assert (case.refusal or case.named or "") in sent.json()["error"]
    assert client.get(API, headers=auth).json()["images"]["cover_image"] == old_cover
    assert media_files() == before
