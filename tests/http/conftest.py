from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import TokenPolicy, issue_token
from imagecore.app.bootstrap import build_app, build_service
from imagecore.app.settings import Settings
from litestar.testing import TestClient

from imagecore import ImageSlots, Slot

SECRET = "test-secret-" + "x" * 40
SLOT_FOLDERS = [slot.policy.folder for slot in Slot]
API = "/api/resume/user-images/"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data dir, a fixed secret, a 1 MB upload limit."""
    return Settings(data_dir=tmp_path, jwt_secret=SECRET, max_upload_bytes=1024 * 1024)


@pytest.fixture
def media(tmp_path: Path) -> FsspecStorage:
    """The media storage the app writes to: a real local folder."""
    return FsspecStorage.from_url((tmp_path / "media").as_uri())


@pytest.fixture
def service(settings: Settings, media: FsspecStorage) -> ImageSlots:
    return build_service(settings, storage=media)


@pytest.fixture
def client(settings: Settings, service: ImageSlots) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A test client for the app as the command line builds it."""
    with TestClient(build_app(settings, slots=service)) as client:
        yield client


@pytest.fixture
def token_for() -> Callable[[str], str]:
    """Makes a valid access token for a user id."""
    return lambda user: issue_token(user, TokenPolicy.shared_secret(SECRET), ttl=600)


@pytest.fixture
def auth(token_for: Callable[[str], str]) -> dict[str, str]:
    """Headers that authenticate as user 123."""
    return {"Authorization": f"Bearer {token_for('123')}"}


def uploaded_files(media: FsspecStorage) -> set[str]:
    """Every file in the slot folders."""
    return {file.key for folder in SLOT_FOLDERS for file in media.list(folder)}


@pytest.fixture
def media_files(media: FsspecStorage) -> Callable[[], set[str]]:
    """Lists the files in the slot folders, when called."""
    return lambda: uploaded_files(media)
