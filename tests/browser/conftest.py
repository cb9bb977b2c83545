"""Playwright fixtures for the browser tests: Debian's Chromium, headless, one context per test."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, Page, sync_playwright

# Playwright's sync API drives its own asyncio event loop in the test thread, so Django's
# async-safety guard sees a running loop and refuses ORM calls made by the test itself
# (factories, assertions on rows) with SynchronousOnlyOperation. The test code is still plain
# synchronous code and no coroutine touches the database, so the guard is switched off here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium not installed: apt-get install -y chromium"
# Without the networking flags Chromium keeps dialling Google's hosts, which the closed
# network of the CI machine refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000


class SerialWSGIServer(WSGIServer):
    """The live server answering one request at a time, in its own thread.

    On SQLite the test database lives in memory, and the live server shares the test's one
    connection with the threads that answer requests. Two requests at once (htmx previews a
    browser fires while a field is typed in) then use that connection from two threads, which
    SQLite refuses mid-statement ("bad parameter or other API misuse"). Not being threaded,
    this server also closes each connection after its response, so no idle keep-alive holds it.
    """

    def __init__(self, *args: Any, connections_override: object = None, **kwargs: Any) -> None:
        # The live server's thread has taken the shared connection already.
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def serial_live_server_on_sqlite() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", SerialWSGIServer)
        yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium shared by the whole session; skipped locally, fatal in CI if absent."""
    if not CHROMIUM_PATH.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM_MISSING} (browser tests must run in CI)", pytrace=False)
        pytest.skip(CHROMIUM_MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context, so cookies and sessions never leak between tests."""
    context = browser.new_context()
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
