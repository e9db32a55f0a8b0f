"""A live server for the session's `app` and a fresh headless Chromium page per test.

The server runs the same app object (same test database) in a background thread, so rows a test
creates through fixtures are visible to the browser once committed. SQLite file databases are
safe across threads: SQLAlchemy 2.0 uses a QueuePool with check_same_thread=False for them."""
from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from core.extensions import db

BROWSER_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 5000


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """Serve `app` on a free local port and yield its base URL."""
    with app.app_context():
        # Connections opened while the schema was built belong to the main thread; start clean.
        db.engine.dispose()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session; a missing browser is a failure, not a skip."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium not found on PATH: install Debian's `chromium` package to run the e2e tests "
                    "(the Playwright-bundled browser is not used).", pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh browser contexts (no cookies) on the live server; fail on any 5xx response."""
    contexts = []
    server_errors: list[str] = []

    def open_page(viewport: dict | None = None):
        db.session.commit()   # whatever the test built must be visible to the server's threads
        context = browser.new_context(base_url=live_server, viewport=viewport or DESKTOP, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("response", lambda r: server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        return page

    yield open_page
    for context in contexts:
        context.close()
    db.session.rollback()   # drop whatever this thread read, so later reads see the server's writes
    assert not server_errors, f"the server answered with errors: {server_errors}"


@pytest.fixture
def page(new_page):
    """A desktop-sized page on the live server."""
    return new_page()

