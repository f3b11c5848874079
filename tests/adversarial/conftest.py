from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.app.bootstrap import build_app, build_service
from imagecore.app.settings import Settings
from litestar.testing import TestClient

from imagecore import ImageSlots, Slot
from tests import images
from tests.http.conftest import API, SECRET, uploaded_files


@attrs.define
class Target:
    """The app under attack, with user 123's profile image already in place."""

    settings: Settings
    service: ImageSlots
    media: FsspecStorage
    client: TestClient  # type: ignore[type-arg]
    old_url: str
    opened: list[TestClient] = attrs.field(factory=list)  # type: ignore[type-arg]

    def app_with(self, **changes: object) -> TestClient:  # type: ignore[type-arg]
        """A client for the same service with some settings changed."""
        client = TestClient(build_app(attrs.evolve(self.settings, **changes), slots=self.service))
        self.opened.append(client.__enter__())
        return client

    def files(self) -> set[str]:
        return uploaded_files(self.media)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    settings = Settings(data_dir=tmp_path, jwt_secret=SECRET, max_upload_bytes=256 * 1024)
    media = FsspecStorage.from_url((tmp_path / "media").as_uri())
    service = build_service(settings, storage=media)
    image = service.upload("123", {Slot.PROFILE: images.png(color=(1, 2, 3))}).profile_image
    assert image is not None
    service.upload("456", {Slot.PROFILE: images.png()})  # someone else, whose names are guessed
    # A link an attacker with a foothold on the disk planted, pointing at a secret.
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    (tmp_path / "media" / "resume" / "images" / "profile_123_link.png").symlink_to(
        tmp_path / "secret.txt"
    )
    with TestClient(build_app(settings, slots=service)) as client:
        target = Target(settings, service, media, client, f"/media/{image.key}")
        yield target
        for opened in target.opened:
            opened.__exit__(None, None, None)


@pytest.fixture
def bearer() -> Callable[[str], dict[str, str]]:
    return lambda token: {"Authorization": f"Bearer {token}"}


__all__ = ["API", "SECRET", "Target"]
