"""The Django app's adapters against the ports' contract suites, on the project's own parts: the
repository on real users of its user model, the storage on its file storage, the rate counter
on its cache; and the app's defaults and management commands."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from imagecore import ImageRepository, ImageStorage
from imagecore.testing.rate_counter import RateCounterContract
from imagecore.testing.repository import RepositoryContract
from imagecore.testing.storage import StorageContract
from tests import images

pytestmark = pytest.mark.usefixtures("django_in_process")


@pytest.fixture
def fresh_tables() -> Iterator[None]:
    """An empty images table and no users, before and after."""
    from django.contrib.auth import get_user_model

    from imagecore.adapters.django.models import UserImagesRecord

    UserImagesRecord.objects.all().delete()
    get_user_model().objects.all().delete()
    yield
    UserImagesRecord.objects.all().delete()
    get_user_model().objects.all().delete()


def make_users(*names: str) -> tuple[str, ...]:
    from django.contrib.auth import get_user_model

    return tuple(str(get_user_model().objects.create(username=name).pk) for name in names)


@pytest.mark.usefixtures("fresh_tables")
class TestDjangoRepository(RepositoryContract):
    @pytest.fixture
    def repository(self) -> ImageRepository:
        from imagecore.adapters.django.repository import DjangoRepository

        return DjangoRepository()

    @pytest.fixture
    def user_ids(self) -> Sequence[str]:
        """Three users of the project, and an id no user has."""
        return (*make_users("ada", "bea", "cai"), "987654")

    @pytest.fixture
    def alike_user_ids(self) -> Sequence[str]:
        return make_users("one", "two", "three")


class TestDjangoStorage(StorageContract):
    capabilities = frozenset()  # a Django storage renames rather than overwrites

    @pytest.fixture
    def storage(self, tmp_path: Path) -> ImageStorage:
        from django.core.files.storage import FileSystemStorage

        from imagecore.adapters.django.storage import DjangoStorage

        return DjangoStorage(FileSystemStorage(location=tmp_path / "media"))


class TestCacheRateCounter(RateCounterContract):
    @pytest.fixture
    def counter(self) -> Any:
        from django.core.cache import caches

        from imagecore.adapters.django.rate_counter import CacheRateCounter

        cache = caches["default"]
        cache.clear()
        return CacheRateCounter(cache)


def test_a_name_the_storage_would_rename_is_refused_not_taken(tmp_path: Path) -> None:
    """The core references the name it asked for: a storage that saves under another one (the
    name was taken) leaves nothing behind and says the write failed."""
    from django.core.files.storage import FileSystemStorage

    from imagecore.adapters.django.storage import DjangoStorage
    from imagecore.errors import StorageError

    storage = DjangoStorage(FileSystemStorage(location=tmp_path))
    storage.write("resume/images/a.png", b"first")
    with pytest.raises(StorageError):
        storage.write("resume/images/a.png", b"second")
    assert [f.key for f in storage.list("resume/images/")] == ["resume/images/a.png"]
    assert storage.read("resume/images/a.png") == b"first"


@pytest.mark.usefixtures("fresh_tables")
def test_decodes_are_isolated_by_default_and_the_commands_look_after_the_files(
    tmp_path: Path,
) -> None:
    """With no IMAGECORE settings but storage, uploads decode in a child process on a budget
    (the limits say so), and imagecore_check, imagecore_variants and imagecore_gc run over the
    project's table and storage."""
    from django.core.management import CommandError, call_command
    from django.test import Client, override_settings

    from imagecore.adapters.django.apps import service

    storages = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        }
    }
    with override_settings(
        IMAGECORE={},
        STORAGES=storages,
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": [
                "rest_framework_simplejwt.authentication.JWTAuthentication"
            ]
        },
    ):
        try:
            client = Client()
            signed_in = client.post("/sign-in/ada").json()
            auth = {"Authorization": f"Bearer {signed_in['access']}"}
            limits = client.get("/api/resume/user-images/limits/", headers=auth).json()
            assert limits["decode_budget"] == {"cpu_seconds": 10, "memory_bytes": 384 * 2**20}
            assert type(service().slots.codec.codec).__name__ == "IsolatedCodec"
            body, content_type = _form(images.jpeg((900, 600)))
            uploaded = client.post(
                "/api/resume/user-images/", data=body, content_type=content_type, headers=auth
            )
            assert uploaded.status_code == 200, uploaded.content
            key = uploaded.json()["profile_image"].removeprefix("/api/resume/media/")
            (tmp_path / "resume/images/profile_1_0123456789abcdef.png").write_bytes(b"stray")

            out = io.StringIO()
            with pytest.raises(CommandError, match="0 references without a file, 1 files"):
                call_command("imagecore_check", stdout=out)
            assert (
                "unreferenced file: resume/images/profile_1_0123456789abcdef.png" in out.getvalue()
            )
            out = io.StringIO()
            call_command("imagecore_variants", stdout=out)
            assert "1 users, 1 images: 0 rebuilt, 1 current, 0 users failed" in out.getvalue()
            out = io.StringIO()
            call_command("imagecore_gc", "--min-age", "0", stdout=out)
            assert "removed" in out.getvalue()
            call_command("imagecore_check", stdout=io.StringIO())
            assert (tmp_path / key).exists()
        finally:
            service().close()


def _form(data: bytes) -> tuple[bytes, str]:
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="profile_image"; '
            f'filename="me.jpg"\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_cache_that_cannot_count_atomically_is_refused(tmp_path: Path) -> None:
    """Django's file and database caches increment by reading and writing back: two workers
    would lose counts, and each write resets the window's expiry."""
    from django.core.cache.backends.filebased import FileBasedCache

    from imagecore.adapters.django.rate_counter import CacheRateCounter

    with pytest.raises(ValueError, match="counts atomically"):
        CacheRateCounter(FileBasedCache(str(tmp_path), {}))
