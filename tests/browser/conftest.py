"""Browser tests: Debian's chromium driven by Playwright against a live server.

No browser is ever downloaded: Playwright launches /usr/bin/chromium
(`apt-get install chromium`; `.ci/run` installs it). axe-core comes from npm
(`npm ci`, run by `make install`). A missing piece fails the tests with a
message that says how to get it; it never skips them.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM
# calls (loading the seed) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def axe_script():
    if not AXE.exists():
        pytest.fail(
            f"{AXE.relative_to(ROOT)} is missing: run `npm ci` (or `make install`) "
            "in the project folder to install axe-core for the accessibility checks."
        )
    return AXE


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(`apt-get install chromium`); Playwright never downloads a browser here."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, serving static files as production does.

    Its default static handler looks files up with the finders, which do not
    know the hashed names that the manifest storage (on when DEBUG is off)
    puts in the pages. Without it, WhiteNoise serves the collected files
    from STATIC_ROOT, exactly as in production."""
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = lambda handler: handler
    server.start()
    yield server
    server.stop()


@pytest.fixture
def screenshots():
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
