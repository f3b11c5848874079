from __future__ import annotations

import importlib.util
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imagecore import ImageSlots
from imagecore.adapters.memory_repository import MemoryRepository
from tests.fakes import Counter, DictStorage, FakeCodec
from tests.services import S3
from tests.windows import within_rate_windows

TESTS = Path(__file__).parent
#: The tests that need packages the core alone does not bring. With only the core installed the
#: suite is still collected: these are left out, and the summary says which extra brings them.
NEEDS: dict[str, tuple[str, ...]] = {
    "adapters/test_bearer_auth.py": ("jwt",),
    "adapters/test_codec_fuzz.py": ("PIL",),
    "adapters/test_apng.py": ("PIL",),
    "adapters/test_avatar_painter.py": ("PIL",),
    "adapters/test_corpus.py": ("PIL",),
    "adapters/test_crop.py": ("PIL",),
    "adapters/test_default_images.py": ("PIL",),
    "adapters/test_format_names.py": ("PIL",),
    "adapters/test_fork_server.py": ("PIL",),
    "adapters/test_fsspec_storage.py": ("fsspec",),
    "adapters/test_isolated_codec.py": ("PIL",),
    "adapters/test_jpeg_decode.py": ("PIL",),
    "adapters/test_pillow_codec.py": ("PIL",),
    "adapters/test_blocking_uploads.py": ("PIL", "numpy"),
    "adapters/test_false_blocks.py": ("PIL", "numpy"),
    "adapters/test_fingerprint.py": ("PIL", "numpy"),
    "adapters/test_focus.py": ("PIL", "numpy"),
    "adapters/test_focus_crop.py": ("PIL", "numpy"),
    "adapters/test_pdq.py": ("PIL", "numpy"),
    "adapters/test_phone_formats.py": ("PIL", "pillow_heif"),
    "adapters/test_pillow_pipeline.py": ("PIL",),
    "adapters/test_placeholders.py": ("PIL", "blurhash"),
    "adapters/test_postgres_repository.py": ("psycopg",),
    "adapters/test_sql_blocklist.py": ("numpy",),
    "adapters/test_refusals.py": ("PIL",),
    "adapters/test_transparency.py": ("PIL",),
    "adapters/test_variants.py": ("PIL",),
    "adapters/test_work_limits.py": ("PIL",),
    "adversarial": ("litestar",),
    "app": ("litestar",),
    "browser": ("litestar", "playwright"),
    "browser/test_guide_client.py": ("fastapi", "django", "rest_framework_simplejwt", "gunicorn"),
    "e2e": ("litestar", "httpx"),
    "embedding": ("litestar",),
    "embedding/test_guide_contract.py": ("fastapi", "httpx"),
    "embedding/test_starlette_avatars.py": ("fastapi", "httpx"),
    "embedding/test_django_host.py": ("django", "rest_framework_simplejwt", "gunicorn", "httpx"),
    "http": ("litestar",),
    "packaging": ("build",),
    "web/test_forms.py": ("multipart",),
}
EXTRA_OF = {
    "jwt": "server",
    "litestar": "server",
    "PIL": "codec",
    "numpy": "codec",
    "fsspec": "storage",
    "psycopg": "postgres",
    "playwright": "dev",
    "httpx": "dev",
    "build": "dev",
    "blurhash": "dev",
    "pillow_heif": "heic",
    "multipart": "starlette",
    "fastapi": "dev",
    "django": "django",
    "rest_framework_simplejwt": "dev",
    "gunicorn": "dev",
}
_left_out: list[str] = []


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    if not collection_path.is_relative_to(TESTS):
        return None
    needed = NEEDS.get(collection_path.relative_to(TESTS).as_posix(), ())
    missing = [module for module in needed if importlib.util.find_spec(module) is None]
    if not missing:
        return None
    extras = ",".join(sorted({EXTRA_OF[module] for module in missing}))
    _left_out.append(
        f"tests/{collection_path.relative_to(TESTS).as_posix()}: needs "
        f"{', '.join(missing)} (pip install 'imagecore[{extras}]')"
    )
    return True


#: What runs alone, after the rest (`make test` runs the rest on two workers): live servers,
#: browsers and fresh environments, and the decodes stopped by the wall clock, whose timing
#: another worker's load would change. A test that disturbs what others share (ending the
#: database's connections) is marked serial itself.
SERIAL = (
    "e2e/",
    "browser/",
    "packaging/",
    "adapters/test_isolated_codec.py",
    "adapters/test_fork_server.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.relative_to(TESTS) if item.path.is_relative_to(TESTS) else item.path
        if path.as_posix().startswith(SERIAL):
            item.add_marker(pytest.mark.serial)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # An xdist worker collects, and hands what it left out to the controller, which reports.
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["left_out"] = _left_out


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    for line in getattr(node, "workeroutput", {}).get("left_out", []):
        if line not in _left_out:
            _left_out.append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _left_out:
        terminalreporter.write_sep("-", "left out: optional packages not installed")
        for line in _left_out:
            terminalreporter.write_line(line)


@pytest.fixture
def storage() -> DictStorage:
    """An empty dict storage that records every write."""
    return DictStorage()


@pytest.fixture
def repository() -> MemoryRepository:
    """An empty in-memory repository."""
    return MemoryRepository()


@pytest.fixture
def slots(storage: DictStorage, repository: MemoryRepository) -> ImageSlots:
    """The core service on fakes, with predictable unique names."""
    return ImageSlots(storage=storage, repository=repository, codec=FakeCodec(), unique=Counter())


POSTGRES_URL = os.environ.get(
    "IMAGECORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def one_rate_window() -> None:
    """For tests counting against rate limits on the wall clock: their counts land in one
    minute's, hour's and day's window."""
    within_rate_windows(needed=10)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL of the test PostgreSQL database whose search path is a schema of this test's own.

    Skips when no server answers, unless IMAGECORE_REQUIRE_POSTGRES is set (as CI does), so that
    a missing server can never pass for a green run there.
    """
    psycopg = pytest.importorskip("psycopg", reason="needs imagecore[postgres]")
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        message = (
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({str(error).strip()}). Start one "
            "(trust auth, database 'test'), or point IMAGECORE_TEST_POSTGRES_URL at yours."
        )
        if os.environ.get("IMAGECORE_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"imagecore_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in POSTGRES_URL else "?"
            yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1, for the whole test session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3:
    """A new bucket, and the standard AWS variables pointing this process at it."""
    import boto3

    environ = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_endpoint,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    bucket = f"imagecore-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return S3(s3_endpoint, bucket, environ)
