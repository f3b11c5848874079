"""The guide's contract against the Django app: in process through Django's test client, and
over a real gunicorn, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from imagecore.testing.guide import GuideContract
from imagecore.testing.guide_host import Answer, GuideHost, HttpxHost
from tests.embedding.conftest import SETTINGS
from tests.embedding.hosts import serving

API = "/api/resume/user-images/"
MEDIA = "/api/resume/media/"


def django_env(root: Path, schema: str | None = None) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "HOST_DIR": str(root)}
    if schema is not None:
        env["HOST_POSTGRES_SCHEMA"] = schema
    return env


def migrate(env: Mapping[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
        env=dict(env),
        check=True,
        timeout=120,
    )


@contextlib.contextmanager
def gunicorn_serving(root: Path, env: Mapping[str, str]) -> Iterator[str]:
    """The Django project under a real gunicorn (one worker, four threads); its base URL."""
    root.mkdir(parents=True, exist_ok=True)
    migrate(env)
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4"]
    wsgi = "tests.embedding.django_host.wsgi"
    with serving(
        lambda port: [*gunicorn, "--bind", f"127.0.0.1:{port}", wsgi], env, root / "gunicorn.log"
    ) as base_url:
        yield base_url


def signed_in(client: Any) -> Callable[[str], tuple[str, dict[str, str]]]:
    """The host's users, through its own sign-in."""

    def user(label: str) -> tuple[str, dict[str, str]]:
        answer = client.post(f"/sign-in/{label}")
        assert answer.status_code == 200, answer.content
        body = answer.json()
        return body["id"], {"Authorization": f"Bearer {body['access']}"}

    return user


@attrs.define
class DjangoClientHost:
    """The project in this process, through Django's test client."""

    client: Any
    api: str = API
    media: str = MEDIA

    def user(self, label: str) -> tuple[str, dict[str, str]]:
        return signed_in(self.client)(label)

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        chunked: bool = False,  # the test client sends every body whole
    ) -> Answer:
        rest = dict(headers)
        content_type = rest.pop("Content-Type", "application/octet-stream")
        response = self.client.generic(
            method, url, data=body, content_type=content_type, headers=rest
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return Answer(response.status_code, {k.lower(): v for k, v in response.items()}, content)


class TestDjangoTestClient(GuideContract):
    @pytest.fixture
    def guide(self, django_in_process: None) -> GuideHost:
        from django.core.cache import cache
        from django.test import Client

        cache.clear()  # the rate counts of the test before
        return DjangoClientHost(Client())


class TestDjangoOverGunicornSqlite(GuideContract):
    @pytest.fixture
    def guide(self, tmp_path: Path) -> Iterator[GuideHost]:
        root = tmp_path / "host"
        with (
            gunicorn_serving(root, django_env(root)) as base_url,
            httpx.Client(base_url=base_url, timeout=30) as client,
        ):
            yield HttpxHost(client, signed_in(client), media=MEDIA)


class TestDjangoOverGunicornPostgres(GuideContract):
    @pytest.fixture
    def guide(self, tmp_path: Path, postgres_url: str) -> Iterator[GuideHost]:
        schema = postgres_url.rpartition("search_path%3D")[2]
        root = tmp_path / "host"
        with (
            gunicorn_serving(root, django_env(root, schema)) as base_url,
            httpx.Client(base_url=base_url, timeout=30) as client,
        ):
            yield HttpxHost(client, signed_in(client), media=MEDIA)


def test_the_django_app_records_each_change_in_its_audit_log(django_in_process: None) -> None:
    """Each change's records are written by the repository with the change, as the user's."""
    from django.core.cache import cache
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from imagecore.adapters.django.repository import DjangoAuditLog
    from imagecore.audit import Action, Actor
    from tests import images

    cache.clear()
    client = Client()
    user_id, headers = signed_in(client)("ann")
    photo = SimpleUploadedFile("ann.png", images.png(), content_type="image/png")
    assert client.post(API, {"profile_image": photo}, headers=headers).status_code == 200
    assert client.delete(f"{API}?type=profile_image", headers=headers).status_code == 200
    history = DjangoAuditLog().history(user_id)
    assert [(r.action, r.actor) for r in history] == [
        (Action.UPLOAD, Actor.user(user_id)),
        (Action.DELETE, Actor.user(user_id)),
    ]
    assert history[0].after_key == history[1].before_key
