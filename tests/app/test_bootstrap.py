"""The composition root: wiring, the kept secret, and the installed defaults."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.http import issue_token, user_id_from_token
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import OutputBox
from imagecore.adapters.sqlite_repository import SqliteRepository
from imagecore.app.bootstrap import build_service, stored_secret, token_policy
from imagecore.app.settings import Settings

from imagecore import ImageTooLarge, Slot
from tests import images
from tests.fakes import DictStorage


def test_build_service_wires_the_configured_adapters(tmp_path: Path) -> None:
    """By default: files and a SQLite database in the data dir, and the Pillow codec."""
    slots = build_service(Settings(data_dir=tmp_path))
    image = slots.upload("u", {Slot.PROFILE: images.png()}).profile_image
    assert image is not None
    assert (tmp_path / "media" / image.key).is_file()
    assert isinstance(slots.storage, FsspecStorage)
    assert isinstance(slots.repository, SqliteRepository)
    assert slots.repository.path == tmp_path / "imagecore.db"
    assert build_service(Settings(data_dir=tmp_path)).current("u").profile_image == image


def test_the_database_url_picks_the_repository(tmp_path: Path) -> None:
    """memory: gives the in-memory repository; sqlite:/// a SQLite file at the given path."""
    memory = build_service(Settings(data_dir=tmp_path, database_url="memory:"))
    assert isinstance(memory.repository, MemoryRepository)
    url = f"sqlite:///{tmp_path}/elsewhere.db"
    sqlite = build_service(Settings(data_dir=tmp_path, database_url=url))
    assert isinstance(sqlite.repository, SqliteRepository)
    assert sqlite.repository.path == tmp_path / "elsewhere.db"


def test_overrides_replace_any_adapter(tmp_path: Path) -> None:
    """Keyword overrides are used as given."""
    storage, repository = DictStorage(), MemoryRepository()
    slots = build_service(Settings(data_dir=tmp_path), storage=storage, repository=repository)
    assert slots.storage is storage and slots.repository is repository


def test_the_default_profile_image_is_installed_in_storage(tmp_path: Path) -> None:
    """The fallback image is put where the media route serves it, and kept up to date."""
    storage = DictStorage()
    build_service(Settings(data_dir=tmp_path), storage=storage)
    assert images.decode(storage.files["resume/defaults/profile.png"]).format == "PNG"
    storage.files["resume/defaults/profile.png"] = b"stale"
    build_service(Settings(data_dir=tmp_path), storage=storage)
    assert storage.files["resume/defaults/profile.png"] != b"stale"


def test_without_a_secret_one_is_created_once_and_kept(tmp_path: Path) -> None:
    """The first start writes a private secret to the data dir; later starts reuse it."""
    settings = Settings(data_dir=tmp_path)
    token = issue_token("u", token_policy(settings), ttl=60)
    secret_file = tmp_path / "jwt-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(secret_file.read_text().strip()) >= 32
    assert user_id_from_token(token, token_policy(Settings(data_dir=tmp_path))) == "u"


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


def test_the_codec_follows_the_settings(tmp_path: Path) -> None:
    """Boxes, fill mode, WebP stills and the limits reach the codec."""
    settings = Settings(
        data_dir=tmp_path,
        profile_box=OutputBox(100, 100, fill=True),
        stills_as_webp=True,
        max_pixels=1000,
    )
    slots = build_service(settings, storage=DictStorage())
    image = slots.upload("u", {Slot.PROFILE: images.png(size=(30, 20))}).profile_image
    assert image is not None and image.media_type == "image/webp"
    assert (image.width, image.height) == (20, 20)
    with pytest.raises(ImageTooLarge):
        slots.upload("u", {Slot.COVER: images.png(size=(40, 30))})


def test_a_postgresql_url_gives_the_postgres_repository(tmp_path: Path, postgres_url: str) -> None:
    """IMAGECORE_DATABASE_URL=postgresql://... is all it takes to move to PostgreSQL."""
    from imagecore.adapters.postgres_repository import PostgresRepository

    settings = Settings(data_dir=tmp_path, database_url=postgres_url)
    slots = build_service(settings, storage=DictStorage())
    assert isinstance(slots.repository, PostgresRepository)
    image = slots.upload("u", {Slot.PROFILE: images.png()}).profile_image
    assert build_service(settings, storage=DictStorage()).current("u").profile_image == image
