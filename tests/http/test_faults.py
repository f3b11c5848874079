"""A failure at every step of upload, replace and delete leaves a consistent, serving state."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import httpx
import pytest
from litestar.testing import TestClient

from imagecore import Slot
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.app.server import build_app
from imagecore.app.settings import Settings
from imagecore.app.wiring import Wiring
from imagecore.housekeeping import Housekeeping
from tests import images
from tests.faults import FaultPlan, FaultyRepository, FaultyStorage, Mode
from tests.http.support import API

Operation = Callable[[TestClient, dict[str, str]], httpx.Response]  # type: ignore[type-arg]


def upload(client: TestClient, auth: dict[str, str]) -> httpx.Response:  # type: ignore[type-arg]
    files = {"profile_image": ("new.png", images.png(color=(0, 0, 255)))}
    return client.post(API, headers=auth, files=files)


def delete(client: TestClient, auth: dict[str, str]) -> httpx.Response:  # type: ignore[type-arg]
    return client.delete(API + "?type=profile_image", headers=auth)


#: (name, has an image before, operation, storage and repository calls it makes when all is well)
CASES = [
    ("first upload", False, upload, ["storage.write", "repository.get", "repository.save"]),
    (
        "replace",
        True,
        upload,
        ["storage.write", "repository.get", "repository.save", "storage.delete"],
    ),
    ("delete", True, delete, ["repository.get", "repository.save", "storage.delete"]),
]
STEPS = [
    pytest.param(
        name, before, operation, step, mode, id=f"{name}, {calls[step - 1]} fails {mode.value}"
    )
    for name, before, operation, calls in CASES
    for step in range(1, len(calls) + 1)
    for mode in (Mode.BEFORE, Mode.AFTER)
]


@pytest.mark.parametrize(("name", "has_image", "operation", "step", "mode"), STEPS)
def test_a_failing_step_leaves_a_consistent_state(
    settings: Settings,
    wiring: Wiring,
    media: FsspecStorage,
    auth: dict[str, str],
    name: str,
    has_image: bool,
    operation: Operation,
    step: int,
    mode: Mode,
) -> None:
    """The client gets 200 or 503 {"error"}; every reference is served; the old image stays
    unless the change was committed; an orphan is left only where its removal itself failed."""
    healthy = wiring.slots
    old = healthy.upload("123", {Slot.PROFILE: images.png()}).profile_image if has_image else None

    plan = FaultPlan(fail_on=step, mode=mode)
    faulty = attrs.evolve(
        healthy,
        storage=FaultyStorage(media, plan),
        repository=FaultyRepository(healthy.repository, plan),
    )
    # Reads through the service's repository too (on a thread), so that they meet the faults.
    faulty_wiring = attrs.evolve(wiring, slots=faulty, reader=None)
    with TestClient(build_app(settings, wiring=faulty_wiring)) as client:
        response = operation(client, auth)
    assert plan.failed is not None
    assert response.status_code in (200, 503), response.text
    if response.status_code == 503:
        assert list(response.json()) == ["error"]

    now = healthy.current("123").profile_image
    committed = now != old
    if not committed:
        assert response.status_code == 503  # nothing changed, and the client was told
    with TestClient(build_app(settings, wiring=wiring)) as client:
        shown = client.get(API, headers=auth).json()["images"]["profile_image"]
        assert client.get(shown).status_code == 200  # whatever is referenced is served
    audit = Housekeeping(healthy).audit()
    assert audit.missing == ()
    cleanup_failed = plan.failed == "storage.delete" and mode is Mode.BEFORE
    orphans = {file.key for file in audit.orphans}
    if cleanup_failed:
        # The old image's files (itself and its variants) left for the sweep to take.
        assert old is not None and orphans and orphans <= set(old.keys)
        swept = Housekeeping(healthy).sweep(min_age=0, allow_empty_repository=True)
        assert swept.removed == len(orphans)
    else:
        assert orphans == set()
    assert Housekeeping(healthy).audit().consistent


def test_a_get_costs_one_repository_read_and_nothing_else(
    settings: Settings, wiring: Wiring, media: FsspecStorage, auth: dict[str, str]
) -> None:
    """The common path: one indexed read, no storage access, nothing read from disk."""
    healthy = wiring.slots
    healthy.upload("123", {Slot.PROFILE: images.png()})
    plan = FaultPlan()
    counted = attrs.evolve(
        healthy,
        storage=FaultyStorage(media, plan),
        repository=FaultyRepository(healthy.repository, plan),
    )
    # Reads through the service's repository (on a thread), so that they are counted.
    counted_wiring = attrs.evolve(wiring, slots=counted, reader=None)
    with TestClient(build_app(settings, wiring=counted_wiring)) as client:
        plan.calls.clear()
        for _ in range(3):
            assert client.get(API, headers=auth).status_code == 200
    assert plan.calls == ["repository.get"] * 3
