"""The guide's contract (imagecore.testing.guide), run against every host of the API: the same
answers, byte for byte, from the standalone Litestar app, and from a FastAPI app and a plain
Starlette app over a real uvicorn (the Django app's are in test_django_host)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from imagecore.testing.guide import GuideContract
from imagecore.testing.guide_host import GuideHost, HttpxHost
from tests.embedding import hosts


class TestLitestar(GuideContract):
    @pytest.fixture
    def guide(self, tmp_path: Path) -> Iterator[GuideHost]:
        with TestClient(hosts.litestar_host(tmp_path / "host")) as client:
            yield HttpxHost(client, hosts.users)


class TestFastApiOverUvicorn(GuideContract):
    @pytest.fixture
    def guide(self, tmp_path: Path) -> Iterator[GuideHost]:
        root = tmp_path / "host"
        with (
            hosts.uvicorn_serving("tests.embedding.hosts:fastapi_app", root) as base_url,
            httpx.Client(base_url=base_url, timeout=30) as client,
        ):
            yield HttpxHost(client, hosts.users)


class TestStarletteOverUvicorn(GuideContract):
    @pytest.fixture
    def guide(self, tmp_path: Path) -> Iterator[GuideHost]:
        root = tmp_path / "host"
        with (
            hosts.uvicorn_serving("tests.embedding.hosts:starlette_app", root) as base_url,
            httpx.Client(base_url=base_url, timeout=30) as client,
        ):
            yield HttpxHost(client, hosts.users)
