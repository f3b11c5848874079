"""What the adversarial suites share besides fixtures: the target and the tokens sent to it."""

from __future__ import annotations

import time
from typing import Any

import attrs
import jwt
from litestar.testing import TestClient

from imagecore import ImageSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import Wiring
from tests.http.support import SECRET, uploaded_files

#: The server's default memory budget for one decode.
BUDGET = 384 * 2**20


@attrs.define
class Target:
    """The app under attack, with user 123's profile image already in place."""

    settings: Settings
    wiring: Wiring
    media: FsspecStorage
    client: TestClient  # type: ignore[type-arg]
    old_url: str
    opened: list[TestClient] = attrs.field(factory=list)  # type: ignore[type-arg]

    @property
    def service(self) -> ImageSlots:
        return self.wiring.slots

    def app_with(self, **changes: Any) -> TestClient:  # type: ignore[type-arg]
        """A client for the same service with some settings changed."""
        client = TestClient(build_app(attrs.evolve(self.settings, **changes), wiring=self.wiring))
        self.opened.append(client.__enter__())
        return client

    def files(self) -> set[str]:
        return uploaded_files(self.media)


def now() -> int:
    return int(time.time())


def token(
    claims: dict[str, Any] | None = None,
    key: Any = SECRET,
    algorithm: str = "HS256",
    **headers: Any,
) -> str:
    """A token for user 123, valid for ten minutes unless ``claims`` say otherwise."""
    body = {"sub": "123", "exp": now() + 600, **(claims or {})}
    return jwt.encode(body, key, algorithm=algorithm, headers=headers or None)
