"""The HTTP service as deployed: it opens its wiring, and closes it when the app shuts down."""

from __future__ import annotations

import threading
from pathlib import Path

from litestar.testing import TestClient

from imagecore.adapters.decode_slots import LockFileSlots
from imagecore.adapters.http import TokenPolicy, issue_token
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import open_wiring
from imagecore.decode_limit import SlottedCodec
from tests.app.support import open_files_under

SECRET = "s" * 40


def test_the_app_closes_the_database_it_opened_on_shutdown(tmp_path: Path) -> None:
    """While the app runs its database is open; once it shuts down, nothing under the data dir
    is held open, whichever threads read it."""
    app = build_app(Settings(data_dir=tmp_path, jwt_secret=SECRET))
    with TestClient(app) as client:
        assert client.get("/api/resume/user-images/limits/").status_code == 401
        reader = threading.Thread(target=client.get, args=("/health",))
        reader.start()
        reader.join()
        assert any(name.endswith("imagecore.db") for name in open_files_under(tmp_path))
    assert open_files_under(tmp_path) == []


def test_an_app_over_given_wiring_leaves_closing_to_its_owner(tmp_path: Path) -> None:
    """Built over wiring the caller opened, the app does not close it: the caller does."""
    settings = Settings(data_dir=tmp_path, jwt_secret=SECRET)
    wiring = open_wiring(settings)
    with TestClient(build_app(settings, wiring=wiring)) as client:
        assert client.get("/health").status_code == 200
    assert wiring.slots.current("u").version == 0  # still usable
    assert any(name.endswith("imagecore.db") for name in open_files_under(tmp_path))
    wiring.close()
    assert open_files_under(tmp_path) == []


def test_the_decode_budget_set_is_the_one_enforced_and_published(tmp_path: Path) -> None:
    """IMAGECORE_DECODE_SECONDS and IMAGECORE_DECODE_MEMORY_MB reach the codec that enforces
    them and GET .../limits/, which publishes them; IMAGECORE_MAX_CONCURRENT_DECODES, the one
    limit on decodes at once, shared by the server's processes."""
    settings = Settings(
        data_dir=tmp_path,
        jwt_secret=SECRET,
        decode_seconds=7,
        decode_memory_mb=100,
        max_concurrent_decodes=3,
    )
    wiring = open_wiring(settings)
    slotted = wiring.slots.codec
    assert isinstance(slotted, SlottedCodec) and isinstance(slotted.slots, LockFileSlots)
    assert slotted.slots.count == 3
    codec = slotted.codec
    assert isinstance(codec, IsolatedCodec)
    assert (codec.seconds, codec.memory) == (7, 100 * 2**20)
    token = issue_token("u", TokenPolicy.shared_secret(SECRET), ttl=60)
    with TestClient(build_app(settings, wiring=wiring)) as client:
        limits = client.get(
            "/api/resume/user-images/limits/", headers={"Authorization": f"Bearer {token}"}
        ).json()
    wiring.close()
    assert limits["decode_budget"] == {"cpu_seconds": 7, "memory_bytes": 100 * 2**20}
