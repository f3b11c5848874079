from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator

import attrs
import psycopg
import pytest
from imagecore.adapters.memory_repository import MemoryRepository

from imagecore import ImageSlots
from tests.fakes import Counter, DictStorage, FakeCodec


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
def postgres_url() -> Iterator[str]:
    """A URL of the test PostgreSQL database whose search path is a schema of this test's own.

    Skips when no server answers, unless IMAGECORE_REQUIRE_POSTGRES is set (as CI does), so that
    a missing server can never pass for a green run there.
    """
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


@attrs.frozen
class S3:
    """A bucket of its own on the local S3-compatible server, with the environment to reach it."""

    endpoint: str
    bucket: str
    environ: dict[str, str]

    def url(self, prefix: str = "media") -> str:
        return f"s3://{self.bucket}/{prefix}"


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
