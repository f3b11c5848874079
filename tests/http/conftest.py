from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
from litestar.testing import TestClient

from imagecore import ImageSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import Wiring, open_wiring
from tests.http.support import SECRET, Client, bearer, token_for, uploaded_files


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data dir, a fixed secret, a 1 MB upload limit."""
    return Settings(data_dir=tmp_path, jwt_secret=SECRET, max_upload_bytes=1024 * 1024)


@pytest.fixture
def media(tmp_path: Path) -> FsspecStorage:
    """The media storage the app writes to: a real local folder."""
    return FsspecStorage.from_url((tmp_path / "media").as_uri())


@pytest.fixture
def wiring(settings: Settings, media: FsspecStorage) -> Iterator[Wiring]:
    """The wiring the server opens (its SQLite database and the rate counter in it) over the
    media folder; closed when the test is done."""
    wiring = open_wiring(settings, storage=media)
    yield wiring
    wiring.close()


@pytest.fixture
def service(wiring: Wiring) -> ImageSlots:
    """The core service the app runs on."""
    return wiring.slots


@pytest.fixture
def client(settings: Settings, wiring: Wiring) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A test client for the app as the command line builds it."""
    with TestClient(build_app(settings, wiring=wiring)) as client:
        yield client


@pytest.fixture(name="token_for")
def token_for_fixture() -> Callable[[str], str]:
    """Makes a valid access token for a user id."""
    return token_for


@pytest.fixture
def auth() -> dict[str, str]:
    """Headers that authenticate as user 123."""
    return bearer("123")


@pytest.fixture
def media_files(media: FsspecStorage) -> Callable[[], set[str]]:
    """Lists the files in the slot folders, when called."""
    return lambda: uploaded_files(media)


@pytest.fixture
def client_with(settings: Settings, wiring: Wiring) -> Iterator[Client]:
    """Makes a test client for the app with some settings changed."""
    opened: list[TestClient] = []  # type: ignore[type-arg]

    def make(**changes: object) -> TestClient:  # type: ignore[type-arg]
        client = TestClient(build_app(attrs.evolve(settings, **changes), wiring=wiring))
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)
