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

import fnmatch
import os
import re
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


# --- accessibility (axe-core) -------------------------------------------------------------

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_BLOCKING = ("critical", "serious")
# A moderate or minor finding fails unless docs/accessibility.md lists it with its reason.
AXE_DOCUMENTED = ("moderate", "minor")
A11Y_DOC = Path(__file__).resolve().parents[2] / "docs" / "accessibility.md"
# A row of the table of accepted findings: | `rule` | `page`, `page*` | impact | reason |
ACCEPTED_ROW = re.compile(r"^\|\s*`([a-z0-9-]+)`\s*\|([^|]+)\|")
A11Y_WIDTHS = (1280, 390)  # a desktop and a phone
# The innermost elements that stick out to the right of the screen (outside scroll areas).
WIDEST_JS = """(width) => {
  const out = [...document.querySelectorAll('body *')].filter((el) =>
    el.getBoundingClientRect().right > width + 1 && !el.closest('.table-wrap'));
  const innermost = out.filter((el) => !out.some((o) => o !== el && el.contains(o)));
  return innermost.slice(0, 5).map((el) => el.tagName.toLowerCase()
    + (typeof el.className === 'string' && el.className
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' (' + Math.round(el.getBoundingClientRect().right) + ' px)');
}"""


@pytest.fixture
def a11y_page(browser: Browser) -> Page:
    """A page whose context may inject axe-core.

    bwmo's CSP allows only ``script-src 'self'``, and Playwright injects a script tag with the
    file's contents inline, which the CSP blocks. ``bypass_csp`` lifts the CSP for this test
    context only, so the checks run on the real pages; the CSP itself is tested elsewhere.
    """
    if not AXE_JS.exists():
        message = f"no axe-core at {AXE_JS}: run `make install` (needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs npm and axe-core; missing there is an error
        pytest.skip(f"{message} to run the accessibility checks")
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL", bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def accepted_findings() -> list[tuple[str, str]]:
    """The moderate and minor findings left on purpose: (axe rule, page pattern) pairs from the
    table in ``docs/accessibility.md``, each with its reason there."""
    accepted = []
    for line in A11Y_DOC.read_text(encoding="utf-8").splitlines():
        match = ACCEPTED_ROW.match(line)
        if match:
            for pattern in match.group(2).split(","):
                accepted.append((match.group(1), pattern.strip().strip("`")))
    return accepted


def is_accepted(rule: str, name: str, accepted: list[tuple[str, str]]) -> bool:
    return any(rule == r and fnmatch.fnmatchcase(name, p) for r, p in accepted)


def axe_violations(page: Page, name: str) -> list[str]:
    """The WCAG 2.1 A/AA and best-practice problems of the current page, at each width, that
    fail a test: every critical and serious one, and every moderate or minor one that is not
    in the documented list (``docs/accessibility.md``); the listed ones are printed.

    Besides axe's rules, a page wider than a 390 px screen counts as serious (WCAG 1.4.10,
    reflow): axe does not measure that itself.
    """
    found = []
    accepted = accepted_findings()
    for width in A11Y_WIDTHS:
        page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})).violations",
            AXE_TAGS,
        )
        for violation in result:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            more = len(violation["nodes"]) - 5
            text = (
                f"{name} @ {width}px: {violation['impact']} {violation['id']}"
                f" ({violation['help']}) at {targets}" + (f" and {more} more" if more > 0 else "")
            )
            impact = violation["impact"]
            if impact in AXE_BLOCKING or (
                impact in AXE_DOCUMENTED and not is_accepted(violation["id"], name, accepted)
            ):
                found.append(text)
            else:
                print(f"axe (accepted in docs/accessibility.md) {text}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            widest = page.evaluate(WIDEST_JS, width)
            found.append(
                f"{name} @ {width}px: serious reflow (page is {scroll_width} px wide,"
                f" wider than the {width} px screen) at {', '.join(widest)}"
            )
    page.set_viewport_size(VIEWPORT)
    return found


def assert_accessible(page: Page, name: str) -> None:
    """Fail with every problem of the current page that ``axe_violations`` counts."""
    problems = axe_violations(page, name)
    assert not problems, "accessibility problems:\n" + "\n".join(problems)
