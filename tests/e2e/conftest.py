"""Browser tests: the app served by uvicorn on 127.0.0.1 in a background thread, driven by
Playwright with Debian's Chromium (no browser download)."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from app.cli import EVENT_LOOP
from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("XINMIAO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app):
    """Base URL of the test app served by uvicorn (same database as ``run``/``world``)."""
    import uvicorn

    port = _free_port()
    # a page left open with a live event stream (a failed test) must not hold the server up
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=2,
            loop=EVENT_LOOP,  # as xinmiao serve
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield _WatchedBrowser(browser)
        browser.close()


def _refuse(route) -> None:
    route.abort("internetdisconnected")


def _offline_for_sure(context) -> None:
    """Make ``context.set_offline(True)`` hold for every document the context opens.

    Chromium applies the offline emulation to each new document a moment after it starts, so a
    page that loads while "offline" (the judge's list opened from the service worker's cache)
    could see ``navigator.onLine`` true and send a queued sheet to the server before the emulation
    caught up: a CI run saw a sheet stored that the test had queued offline. While offline, every
    request that reaches the network (the service worker's cached answers never do) is refused as
    a dropped connection would be."""
    emulate = context.set_offline

    def set_offline(offline: bool) -> None:
        if offline:
            context.route("**/*", _refuse)
        else:
            context.unroute("**/*", _refuse)
        emulate(offline)

    context.set_offline = set_offline


class _WatchedBrowser:
    """The browser, with every context and page it opens watched for Content-Security-Policy
    violations (Chromium reports them as console errors): :func:`no_csp_violations` fails the
    test that caused one."""

    def __init__(self, browser):
        self._browser = browser
        self.csp_violations: list[str] = []

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def new_context(self, *args, **kwargs):
        context = self._browser.new_context(*args, **kwargs)
        context.on("console", self._on_console)
        _offline_for_sure(context)
        return context

    def new_page(self, *args, **kwargs):
        page = self._browser.new_page(*args, **kwargs)
        page.on("console", self._on_console)
        return page


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Fail a browser test whose pages broke the Content-Security-Policy (an inline script or
    handler, a script from elsewhere): app/web/headers.py."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    browser.csp_violations.clear()
    yield
    assert not browser.csp_violations, "CSP violations:\n" + "\n".join(browser.csp_violations)
