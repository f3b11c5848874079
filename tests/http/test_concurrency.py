"""Decoding runs off the event loop: a slow upload never holds up anybody else's request."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from litestar.testing import TestClient

from imagecore import Box, EncodedImage, ImageCodec, ImageLimits
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import open_wiring
from tests import images
from tests.http.support import API


class HeldCodec(ImageCodec):
    """The real codec, held at the door until the test lets it through."""

    def __init__(self) -> None:
        self.inner = PillowCodec()
        self.formats = self.inner.formats
        self.entered = threading.Event()
        self.release = threading.Event()

    @property
    def max_pixels(self) -> int:
        return self.inner.max_pixels

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        self.entered.set()
        assert self.release.wait(30), "never released"
        return self.inner.encode(data, box, limits)


def test_a_request_is_answered_while_an_upload_is_being_decoded(
    settings: Settings, tmp_path: Path, auth: dict[str, str]
) -> None:
    """While one upload sits in the codec, another user's GET is answered."""
    codec = HeldCodec()
    outcome: dict[str, int] = {}
    with (
        contextlib.closing(open_wiring(settings, codec=codec)) as wiring,
        TestClient(build_app(settings, wiring=wiring)) as client,
    ):

        def upload() -> None:
            files = {"profile_image": ("a.jpg", images.jpeg())}
            outcome["upload"] = client.post(API, headers=auth, files=files).status_code

        uploader = threading.Thread(target=upload)
        uploader.start()
        assert codec.entered.wait(30)
        assert client.get(API, headers=auth).status_code == 200
        assert "upload" not in outcome  # the upload was still in the codec meanwhile
        codec.release.set()
        uploader.join(30)
    assert outcome == {"upload": 200}
