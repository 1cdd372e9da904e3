"""Headless Debian Chromium driven by Playwright, with every other origin blocked and recorded."""

import shutil
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The test app keeps the default TILE_URL; the fixture blocks tiles too, as when they are offline.
TILE_PREFIX = "https://tile.openstreetmap.org/"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed: `apt-get install -y chromium` (make test does it as root)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Page:
    """A browser page that records and blocks requests to any origin but the live server."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.foreign = []
        origin = urlsplit(base_url)
        self._origin = (origin.scheme, origin.netloc)
        page.route("**/*", self._route)

    def _route(self, route):
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob") or (parts.scheme, parts.netloc) == self._origin:
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    @property
    def outside(self) -> list[str]:
        """Requests that left for another origin, besides map tiles (the one allowed exception)."""
        return [url for url in self.foreign if not url.startswith(TILE_PREFIX)]

    def goto(self, path):
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")
        return response


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
    try:
        yield Page(context.new_page(), live_server.url)
    finally:
        context.close()
