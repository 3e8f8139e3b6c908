"""Playwright driving Debian's chromium against the live test server.

Playwright's own browser download is never used. Without /usr/bin/chromium the
tests skip, unless PONTE_REQUIRE_BROWSER is set (as CI sets it), where they fail.
Screenshots go to test-artifacts/screenshots/.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "senha-de-teste"


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items or CHROMIUM.exists():
        return
    if os.environ.get("PONTE_REQUIRE_BROWSER"):
        raise pytest.UsageError(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install -y chromium) or unset PONTE_REQUIRE_BROWSER."
        )
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: install it with apt-get install -y chromium"
    )
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread, so Django
    # rejects ORM calls from it unless DJANGO_ALLOW_ASYNC_UNSAFE is set.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    # Accepting an offer queues a VTEX call; one attempt keeps the page fast.
    settings.VTEX_MAX_ATTEMPTS = 1
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The folder ignores itself, so screenshots never reach a commit.
    (ARTIFACTS.parent / ".gitignore").write_text("*\n")

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()
