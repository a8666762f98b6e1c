"""Login → search → customer profile → timeline → Japanese, in headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kizuna.auth.contracts import Role
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import ADMIN
from tests.acceptance.web.data import PASSWORD, Seeded, create_user, seed_customers

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("KIZUNA_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SCREENSHOTS = Path(os.environ.get("KIZUNA_SCREENSHOT_DIR", "/tmp"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = (
            f"Chromium not found at {CHROMIUM}: run `apt-get install -y chromium "
            "fonts-ipafont-gothic` (or set KIZUNA_TEST_CHROMIUM)"
        )
        if IN_CI:
            pytest.fail(message + "; CI=true requires the browser test.", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def test_login_search_profile_timeline_and_japanese(
    browser: Any,
    live_server: str,
    runtime: Runtime,
    workspace: Workspace,
    database_url: str,
) -> None:
    seeded: Seeded = seed_customers(runtime, workspace)
    create_user(runtime, workspace, ADMIN, Role.ADMIN)
    dialect = database_url.split(":", 1)[0].split("+", 1)[0]

    context = browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 900}, timezone_id="Europe/London"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    external: list[str] = []
    page.on(
        "request",
        lambda req: None if req.url.startswith(live_server) else external.append(req.url),
    )

    # An anonymous visit lands on the login page and comes back after logging in.
    page.goto(f"{live_server}/app/customers")
    assert "/app/login?next=" in page.url
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{live_server}/app/customers")
    assert page.locator("h1").inner_text() == "Customers"
    page.screenshot(path=str(SCREENSHOTS / f"kizuna-customers-en-{dialect}.png"))

    # Search and open the profile.
    page.fill("input[name=q]", "hanako")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/app/customers?q=hanako")
    assert page.locator("table.customers tbody tr").count() == 1
    page.click("text=山田 花子")
    page.wait_for_url(f"**/app/customers/{seeded.hanako}")
    assert page.locator("#customer-name").inner_text() == "山田 花子"
    assert seeded.anonymous_id in page.locator("#identifiers").inner_text()
    assert "抹茶セット" in page.locator("#orders").inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"kizuna-profile-en-{dialect}.png"))

    # The timeline shows the newest 50 events (+ the merge among them); "Load more" appends
    # the rest in place (JS).
    assert page.locator("#timeline li.tl-event").count() == 50
    assert page.locator("#timeline li.tl-merge").count() == 1
    assert "Order Completed" in page.locator("#timeline").inner_text()
    before = page.url
    page.click("a[data-load-more]")
    page.wait_for_function(
        "n => document.querySelectorAll('#timeline li.tl-entry').length === n",
        arg=seeded.events_total + 1,
    )
    assert page.url == before
    assert page.locator("a[data-load-more]").count() == 0
    text = page.locator("#timeline").inner_text()
    assert "Product Viewed" in text and "into this one" in text and "Page 0" in text

    # Switch to Japanese: labels change, the choice sticks on the next page.
    page.click("button[name=locale][value=ja]")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#timeline-section h2").inner_text() == "タイムライン"
    assert page.locator("#traits h2").inner_text() == "属性"
    assert "顧客一覧に戻る" in page.content()
    page.screenshot(path=str(SCREENSHOTS / f"kizuna-profile-ja-{dialect}.png"))
    page.evaluate("document.getElementById('timeline-section').scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / f"kizuna-timeline-ja-{dialect}.png"))
    page.click("text=顧客一覧に戻る")
    page.wait_for_url("**/app/customers")
    assert page.locator("h1").inner_text() == "顧客一覧"

    assert problems == [], problems  # no CSP violations or script errors
    assert external == [], external  # nothing loaded from outside the server
    context.close()
