from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from imagecore import Slot
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import open_wiring
from tests import images
from tests.adversarial.support import BUDGET, Target
from tests.http.support import SECRET


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    """The app as deployed over its own data dir, closed (database and all) after the test."""
    settings = Settings(data_dir=tmp_path, jwt_secret=SECRET, max_upload_bytes=256 * 1024)
    media = FsspecStorage.from_url((tmp_path / "media").as_uri())
    with contextlib.closing(open_wiring(settings, storage=media)) as wiring:
        service = wiring.slots
        image = service.upload("123", {Slot.PROFILE: images.png(color=(1, 2, 3))}).profile_image
        assert image is not None
        service.upload("456", {Slot.PROFILE: images.png()})  # someone else, whose names are guessed
        # A link an attacker with a foothold on the disk planted, pointing at a secret.
        (tmp_path / "secret.txt").write_text("TOP SECRET")
        (tmp_path / "media" / "resume" / "images" / "profile_123_link.png").symlink_to(
            tmp_path / "secret.txt"
        )
        with TestClient(build_app(settings, wiring=wiring)) as client:
            target = Target(settings, wiring, media, client, f"/media/{image.key}")
            yield target
            for opened in target.opened:
                opened.__exit__(None, None, None)


@pytest.fixture(scope="module")
def budgeted_codec() -> Iterator[IsolatedCodec]:
    """The codec as the server runs it: a child process per decode, on the default memory
    budget (30 s of CPU, so that only memory can stop a decode)."""
    isolated = IsolatedCodec(
        functools.partial(PillowCodec, memory_budget=BUDGET), seconds=30, memory=BUDGET
    )
    yield isolated
    isolated.close()
