"""Headless Chromium (Debian's ``chromium``, driven by Playwright) for tests of the pages.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium``, which ``make test``
installs (``make browser``). Pages may only reach loopback; any other request is blocked and
recorded, so a test can prove that a page works offline (no CDN). Screenshots go to
``test-artifacts/`` (not in git).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from weakref import WeakKeyDictionary

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from service.config import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")

#: Per page: the URLs it tried to fetch off loopback (blocked), and the script errors it raised.
_offsite: WeakKeyDictionary[Page, list[str]] = WeakKeyDictionary()
_errors: WeakKeyDictionary[Page, list[str]] = WeakKeyDictionary()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    """One Chromium for the whole session; each test gets a fresh context from ``browser_page``."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium_browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page (own cookies and storage) that may only reach loopback.

    After the test a full-page screenshot is saved as ``test-artifacts/<test name>.png``.
    """
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _offsite[page] = []
    _errors[page] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        if LOOPBACK.match(url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            _offsite[page].append(url)
            route.abort("blockedbyclient")

    context.route("**/*", only_loopback)
    page.on("pageerror", lambda error: _errors[page].append(str(error)))
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        try:
            screenshot(page, _artifact_name(request.node.nodeid))
        finally:
            context.close()


def offsite_requests(page: Page) -> list[str]:
    """URLs off loopback the page tried to fetch (each was blocked)."""
    return list(_offsite.get(page, []))


def page_errors(page: Page) -> list[str]:
    """Uncaught script errors the page raised."""
    return list(_errors.get(page, []))


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/<name>.png`` and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _artifact_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("/")[-1]).strip("_")
