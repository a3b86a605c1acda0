"""Browser tests: the pages served by uvicorn on 127.0.0.1, driven by Debian's Chromium.

Skipped, with the reason, when ``/usr/bin/chromium`` is absent (``apt-get install -y chromium``;
``playwright install`` cannot download browsers here). Screenshots and downloads go to
``test-artifacts/browser/`` (git-ignored). Every page is served with the app's strict
Content-Security-Policy, and any console error (a CSP violation is one) fails the test.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright
from web_pages.support import build_app

from b12ms.diet import load_food_table, load_intakes
from b12ms.knowledge import load_knowledge

# B12MS_TEST_CHROMIUM only exists so the skip itself can be tested; the browser is Debian's.
CHROMIUM = Path(os.environ.get("B12MS_TEST_CHROMIUM", "/usr/bin/chromium"))
SKIP_REASON = f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
START_TIMEOUT_S = 15.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The pages app (with the app's CSP header) served by uvicorn in a thread."""
    store = tmp_path_factory.mktemp("browser-store") / "history.db"
    app, context = build_app(
        load_knowledge(), load_food_table(), load_intakes(), store_url=f"sqlite:///{store}", csp=True
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="b12ms-browser-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port} within {START_TIMEOUT_S:.0f} s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope, not session: Playwright's sync API keeps an asyncio loop running in the main
    # thread while it lives, which breaks every later test that calls asyncio.run (TestClient).
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class PageErrors:
    """Console errors, uncaught exceptions and failed sub-resources seen by a page.

    A CSP violation is a console error. A form answered with 422 (errors shown beside fields) is
    logged by Chromium as a failed load; that is expected, so document statuses are not errors,
    but any asset (``/static/…``) or fetch that fails is.
    """

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource: the server responded"):
            self.messages.append(f"console error: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.messages.append(f"{response.status} for {response.url}")


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh desktop-sized page (own cookies) that fails the test on any console error."""
    options: dict[str, Any] = getattr(request, "param", {})
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", accept_downloads=True, **options)
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    errors = PageErrors(new_page)
    yield new_page
    context.close()
    assert errors.messages == [], errors.messages


def shoot(page: Page, name: str, *, phone: bool = True) -> None:
    """Full-page screenshots at desktop and phone widths into test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or DESKTOP
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(ARTIFACTS / f"{name}-desktop.png"), full_page=True)
    if phone:
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(size)
