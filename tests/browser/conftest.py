from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from tests.servers import Server, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
#: As Debian's Chromium runs headless here: as root, and without phoning home.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A real `imagecore serve` process for the browser, with its own data dir."""
    with serving(tmp_path / "data") as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        message = (
            "Debian's chromium is not installed (`make test` installs it with apt-get when it "
            "can: run it as root, or `apt-get install chromium`)."
        )
        if os.environ.get("IMAGECORE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page that records every script error and every console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        # A refused upload is an HTTP 400 that Chromium reports as a failed resource load: that
        # is the page working, not an error in it.
        if message.type == "error" and "status of 400" not in message.text:
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def audit(page: Page) -> Callable[[], list[str]]:
    """Runs axe-core's rules on the page as it is now: one line per violation and element.

    The script goes in through the DevTools protocol, which the page's content security policy
    does not govern (the page itself still loads nothing but its own files)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): `make test` installs it with npm ci")
    source = AXE.read_text()

    def run() -> list[str]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(source)
        found = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.target.join(' ')}: `"
            " + n.failureSummary.replace(/\\s+/g, ' ')))"
        )
        return list(found)

    return run
