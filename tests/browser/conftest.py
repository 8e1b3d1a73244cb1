"""Fixtures for the browser tests: one headless Chromium per session, a fresh context per test.

The tests talk to pytest-django's ``live_server``, so they need a transactional database.
Each test module marks its tests with ``django_db(transaction=True, serialized_rollback=True)``:
the flush after a transactional test would otherwise also remove the reference data that the
migrations load (municipalities, regions) and that ``region_setup`` relies on.

Between two calls Playwright's sync API marks its event loop as running in the test thread.
Django keeps database connections in an ``asgiref`` local that uses a separate storage while a
loop runs, so once the browser is up the tests get a second connection object (to the same
test database). The ``browser`` fixture hands that connection the serialized database
contents too; without them the rollback after the first test would not restore anything.
"""

import os
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests import factories

# Playwright's sync API keeps an event loop running in the test thread; without this Django
# refuses every ORM call made from the tests ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("BWMO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000
SCREENSHOT_DIR = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def browser(django_db_setup) -> Browser:
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: install Debian's package 'chromium'"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it; a missing browser there is an error
        pytest.skip(f"{message} to run the browser tests")
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        # From here on the loop counts as running: share the contents with that connection.
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Page:
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def url(live_server, name: str, *args, **kwargs) -> str:
    return live_server.url + reverse(name, args=args, kwargs=kwargs)


def login(page: Page, live_server, username: str, password: str = factories.PASSWORD) -> None:
    """Log in through the login form and wait for the landing page (start or monitor)."""
    page.goto(url(live_server, "login"))
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def logout(page: Page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()


def screenshot(page: Page, name: str) -> Path | None:
    """A full-page screenshot in ``screenshots/``, only when ``BWMO_SCREENSHOTS`` is set."""
    if not os.environ.get("BWMO_SCREENSHOTS"):
        return None
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
