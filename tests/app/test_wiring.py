"""The composition root: wiring, closing what it opened, and the kept secret."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from imagecore import Box, Slot
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import issue_token, user_id_from_token
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.sql import SqlRepository
from imagecore.app.settings import Settings, SettingsError
from imagecore.app.tokens import stored_secret, token_policy
from imagecore.app.wiring import open_wiring
from imagecore.rejections import ImageTooLarge
from tests import images
from tests.app.support import open_files_under
from tests.fakes import DictStorage


def test_the_defaults_wire_files_sqlite_and_pillow(tmp_path: Path) -> None:
    """By default: files and a SQLite database in the data dir, and the Pillow codec."""
    wiring = open_wiring(Settings(data_dir=tmp_path))
    image = wiring.slots.upload("u", {Slot.PROFILE: images.png()}).profile_image
    assert image is not None
    assert (tmp_path / "media" / image.key).is_file()
    assert (tmp_path / "imagecore.db").is_file()
    assert isinstance(wiring.slots.storage, FsspecStorage)
    assert isinstance(wiring.slots.repository, SqlRepository)
    wiring.close()
    again = open_wiring(Settings(data_dir=tmp_path))
    assert again.slots.current("u").profile_image == image
    again.close()


def test_closing_the_wiring_closes_the_database(tmp_path: Path) -> None:
    """close() closes every connection the wiring opened; closing twice is harmless."""
    wiring = open_wiring(Settings(data_dir=tmp_path))
    worker = threading.Thread(target=wiring.slots.current, args=("u",))
    worker.start()
    worker.join()
    wiring.slots.current("u")
    assert any(name.endswith("imagecore.db") for name in open_files_under(tmp_path))
    wiring.close()
    wiring.close()
    assert open_files_under(tmp_path) == []


def test_the_database_url_picks_the_repository(tmp_path: Path) -> None:
    """memory: gives the in-memory repository; sqlite:/// a SQLite file at the given path."""
    memory = open_wiring(Settings(data_dir=tmp_path, database_url="memory:"))
    assert isinstance(memory.slots.repository, MemoryRepository)
    url = f"sqlite:///{tmp_path}/elsewhere.db"
    sqlite = open_wiring(Settings(data_dir=tmp_path, database_url=url))
    assert isinstance(sqlite.slots.repository, SqlRepository)
    assert (tmp_path / "elsewhere.db").is_file()
    sqlite.close()


def test_overrides_replace_any_adapter(tmp_path: Path) -> None:
    """Keyword overrides are used as given, and nothing is opened for them."""
    storage, repository = DictStorage(), MemoryRepository()
    wiring = open_wiring(Settings(data_dir=tmp_path), storage=storage, repository=repository)
    assert wiring.slots.storage is storage and wiring.slots.repository is repository
    assert not (tmp_path / "imagecore.db").exists()


def test_nothing_is_installed_in_storage(tmp_path: Path) -> None:
    """The default image is the core's: wiring writes no file, and the media route serves it."""
    storage = DictStorage()
    slots = open_wiring(Settings(data_dir=tmp_path), storage=storage).slots
    assert storage.files == {}
    fallback = slots.policies[Slot.PROFILE].fallback
    assert fallback is not None
    assert images.decode(slots.media(fallback).read()).format == "PNG"


def test_without_a_secret_one_is_created_once_and_kept(tmp_path: Path) -> None:
    """The first start writes a private secret to the data dir; later starts reuse it."""
    settings = Settings(data_dir=tmp_path)
    token = issue_token("u", token_policy(settings), ttl=60)
    secret_file = tmp_path / "jwt-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(secret_file.read_text().strip()) >= 32
    assert user_id_from_token(token, token_policy(Settings(data_dir=tmp_path))) == "u"


@pytest.mark.parametrize("kept", ["", "\n", "cut-short"])
def test_a_kept_secret_shorter_than_a_secret_may_be_is_refused(tmp_path: Path, kept: str) -> None:
    """An emptied or truncated secret file is not used as a key (anyone could sign with "")."""
    (tmp_path / "jwt-secret").write_text(kept)
    with pytest.raises(SettingsError, match="fewer than a secret's 32"):
        token_policy(Settings(data_dir=tmp_path))


def test_workers_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    """Racing first starts all read the same secret and leave no temporary file."""
    secrets: list[str] = []
    start = threading.Barrier(8)

    def read() -> None:
        start.wait()
        secrets.append(stored_secret(tmp_path))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(secrets)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["jwt-secret"]


def test_a_configured_secret_wins_over_the_kept_one(tmp_path: Path) -> None:
    """IMAGECORE_JWT_SECRET is used as is, and no secret file is written."""
    policy = token_policy(Settings(data_dir=tmp_path, jwt_secret="c" * 40))
    assert policy.key == "c" * 40
    assert not (tmp_path / "jwt-secret").exists()


def test_the_service_follows_the_settings(tmp_path: Path) -> None:
    """Boxes, fill mode, WebP stills and the limits reach the service and its codec."""
    settings = Settings(
        data_dir=tmp_path,
        profile_size=(100, 100),
        profile_mode="FILL",
        stills_as_webp=True,
        max_pixels=1000,
        profile_variants=(24, 48),
    )
    slots = open_wiring(settings, storage=DictStorage()).slots
    assert slots.policies[Slot.PROFILE].box == Box(100, 100, fill=True, variants=(24, 48))
    assert slots.limits.max_pixels == 1000
    image = slots.upload("u", {Slot.PROFILE: images.png(size=(30, 20))}).profile_image
    assert image is not None and image.media_type == "image/webp"
    assert (image.width, image.height) == (20, 20)
    with pytest.raises(ImageTooLarge):
        slots.upload("u", {Slot.COVER: images.png(size=(40, 30))})


def test_a_postgresql_url_gives_the_postgres_repository(tmp_path: Path, postgres_url: str) -> None:
    """IMAGECORE_DATABASE_URL=postgresql://... is all it takes to move to PostgreSQL."""
    settings = Settings(data_dir=tmp_path, database_url=postgres_url)
    first = open_wiring(settings, storage=DictStorage())
    assert isinstance(first.slots.repository, SqlRepository)
    assert not (tmp_path / "imagecore.db").exists()
    image = first.slots.upload("u", {Slot.PROFILE: images.png()}).profile_image
    second = open_wiring(settings, storage=DictStorage())
    assert second.slots.current("u").profile_image == image
    first.close()
    second.close()
