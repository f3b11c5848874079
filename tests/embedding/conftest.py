"""Fixtures the embedding tests share."""

from __future__ import annotations

import os

import pytest

SETTINGS = "tests.embedding.django_host.settings"


@pytest.fixture(scope="session")
def django_in_process(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Django set up in this process on a SQLite database of its own, migrated."""
    django = pytest.importorskip("django")
    root = tmp_path_factory.mktemp("django-host")
    # The browser tests' Playwright leaves an event loop running in this thread, which Django
    # takes for an async context (its documented way out, as in a notebook's).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    before = dict(os.environ)
    os.environ.update(DJANGO_SETTINGS_MODULE=SETTINGS, HOST_DIR=str(root))
    try:
        django.setup()  # the settings are read now, once
    finally:  # and the processes other tests start do not inherit them
        os.environ.clear()
        os.environ.update(before)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
