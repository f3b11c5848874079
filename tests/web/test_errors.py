"""The framework-free answers to errors: one status, body and set of headers per error, for
every binding to send as it is."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from imagecore import ImageCoreError, Slot
from imagecore.adapters.web import wording
from imagecore.adapters.web.errors import answer_to, refusal, status_of
from imagecore.errors import Busy, RateLimited, SlotEmpty, StorageError, UnknownSlot
from tests.unit.test_errors import EXAMPLES


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda error: type(error).__name__)
def test_every_error_is_answered_with_its_sentence_and_never_cached(error: ImageCoreError) -> None:
    answer = answer_to(error)
    assert answer.status == status_of(error)
    assert dict(answer.body) == {"error": wording.sentence(error)}
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UnknownSlot("banner"), 400),
        (SlotEmpty(Slot.COVER), 404),
        (RateLimited("upload", 20, 3600, 42), 429),
        (StorageError("write", "resume/images/x.png"), 503),
        (Busy(7), 503),
        (ImageCoreError("no row for this one"), 500),
    ],
)
def test_each_kind_of_error_has_the_guide_s_status(error: ImageCoreError, status: int) -> None:
    assert status_of(error) == status


def test_a_wait_asked_of_the_client_is_its_retry_after() -> None:
    assert answer_to(RateLimited("upload", 20, 3600, 42)).headers["Retry-After"] == "42"
    assert answer_to(Busy(7)).headers["Retry-After"] == "7"
    assert "Retry-After" not in answer_to(UnknownSlot("banner")).headers


def test_a_401_carries_the_bearer_challenge() -> None:
    answer = refusal(401, "Sign in first.")
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="imagecore"'
    assert "WWW-Authenticate" not in refusal(400, "No.").headers


def test_the_web_layer_imports_no_web_framework() -> None:
    """Every module of the web layer, imported in a fresh interpreter, brings no framework."""
    probe = (
        "import json, pkgutil, importlib, sys\n"
        "import imagecore.adapters.web as web\n"
        "for module in pkgutil.iter_modules(web.__path__):\n"
        "    importlib.import_module(f'imagecore.adapters.web.{module.name}')\n"
        "frameworks = ('litestar', 'starlette', 'fastapi', 'django', 'msgspec', 'uvicorn')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in frameworks)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == []
