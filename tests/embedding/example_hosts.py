"""The examples' hosts, served for real: the FastAPI app under uvicorn and the Django project
under gunicorn, each signed in to through its own login."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import jwt

from tests.embedding.hosts import serving

ROOT = Path(__file__).parents[2]
SECRET = "an-example-secret-that-is-long-enough-32"


@attrs.frozen
class ExampleHost:
    base_url: str
    #: An access token of a user of the host, from its own sign-in.
    token: str


@contextlib.contextmanager
def fastapi_example(root: Path) -> Iterator[ExampleHost]:
    """examples/fastapi_host under uvicorn; its users are whoever its tokens name."""
    env = {**os.environ, "IMAGES_DIR": str(root), "SECRET_KEY": SECRET}
    root.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "uvicorn", "examples.fastapi_host.main:app"]
    with _serving(root, [*command, "--port"], env) as base_url:
        yield ExampleHost(base_url, jwt.encode({"sub": "42"}, SECRET, algorithm="HS256"))


@contextlib.contextmanager
def django_example(root: Path) -> Iterator[ExampleHost]:
    """examples/django_project under gunicorn, migrated, with a user who signs in at
    /api/token/ (simplejwt's view) for their token."""
    project = ROOT / "examples" / "django_project"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "resume_site.settings",
        "SITE_DATA": str(root),
        "SECRET_KEY": SECRET,
        "DJANGO_SUPERUSER_USERNAME": "ada",
        "DJANGO_SUPERUSER_PASSWORD": "a password of Ada's",
        "DJANGO_SUPERUSER_EMAIL": "ada@example.com",
    }
    root.mkdir(parents=True, exist_ok=True)
    for command in (["migrate", "-v", "0"], ["createsuperuser", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=project, env=env, check=True, timeout=120
        )
    gunicorn = [sys.executable, "-m", "gunicorn", "--chdir", str(project), "resume_site.wsgi"]
    with _serving(root, [*gunicorn, "--bind"], env, bind=True) as base_url:
        signed_in = httpx.post(
            base_url + "/api/token/",
            json={"username": "ada", "password": "a password of Ada's"},
            timeout=30,
        )
        assert signed_in.status_code == 200, signed_in.text
        yield ExampleHost(base_url, signed_in.json()["access"])


@contextlib.contextmanager
def _serving(
    root: Path, command: list[str], env: dict[str, str], *, bind: bool = False
) -> Iterator[str]:
    def on(port: int) -> list[str]:
        return [*command, f"127.0.0.1:{port}" if bind else str(port)]

    with serving(on, env, root / "server.log", cwd=ROOT) as base_url:
        yield base_url
