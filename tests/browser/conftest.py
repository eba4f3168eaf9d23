"""Browser tests: Playwright (Python) driving Debian's Chromium (no browser download), axe on every page.

Fixtures:
- `browser_type_launch_args`: Debian's chromium with the flags this closed network needs.
- `page_for(user)`: a Playwright page signed in as `user` through the real log-in pages, with a real TOTP code.
- `axe_check(page)`: run axe (WCAG 2.2 AA rules) and fail listing any violation.
Browser tests need a live server and committed data: mark them `pytest.mark.django_db(transaction=True)`.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers import require_service, totp_device, totp_now

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _require_chromium():
    require_service(bool(CHROMIUM), "Chromium (Debian package 'chromium')")


@pytest.fixture
def axe_check():
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page, context: str = "") -> None:
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        assert result.violations_count == 0, f"axe violations on {context or page.url}:\n{result.generate_report()}"

    return check


def sign_in_through_pages(page, base_url: str, user, password: str) -> None:
    """Email and password, then a code from the (test's) authenticator app."""
    device = totp_device(user)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Security code").fill(totp_now(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def page_for(browser, live_server):
    """page_for(user) -> a new browser context and page, signed in as user through the real pages."""
    from tests.factories import PASSWORD

    contexts = []

    def make(user, *, password: str = PASSWORD):
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in_through_pages(page, live_server.url, user, password)
        return page

    yield make
    for context in contexts:
        context.close()
