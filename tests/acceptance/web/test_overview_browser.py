"""The overview in headless Chromium: charts render, no CSP violations, Japanese, filters."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.auth.contracts import Role
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import ADMIN
from tests.acceptance.web.data import PASSWORD, create_user
from tests.acceptance.web.test_browser import SCREENSHOTS, browser
from tests.acceptance.web.test_overview_page import seed_shop

pytestmark = pytest.mark.browser

__all__ = ["browser"]  # the module-scoped Chromium fixture, with its skip logic


def test_overview_charts_japanese_and_filters(
    browser: Any, live_server: str, runtime: Runtime, workspace: Workspace, database_url: str
) -> None:
    seed_shop(runtime, workspace)
    create_user(runtime, workspace, ADMIN, Role.ADMIN)
    dialect = database_url.split(":", 1)[0].split("+", 1)[0]
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))

    # /app/ lands on the login page, then on the overview.
    page.goto(f"{live_server}/app/")
    assert "/app/login" in page.url
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:has-text('Log in')")
    page.wait_for_url(f"{live_server}/app/overview")
    assert page.locator("h1").inner_text() == "Overview"
    charts = page.locator("svg.chart").count()
    assert charts >= 7, charts
    # Charts have a real size (they render, not just exist).
    box = page.locator("#section-series svg.chart").bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
    assert page.locator("#section-retention svg.chart rect").count() > 12
    assert page.locator("#tile-revenue svg.chart-spark").count() == 1
    page.screenshot(path=str(SCREENSHOTS / f"kizuna-overview-en-{dialect}.png"), full_page=True)

    # Japanese.
    page.click("button[name=locale][value=ja]")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#section-retention-h").inner_text() == "コホート別継続率"
    assert page.locator("#tile-revenue .kpi-label").inner_text() == "売上"
    page.screenshot(path=str(SCREENSHOTS / f"kizuna-overview-ja-{dialect}.png"), full_page=True)

    # The filter form (a plain GET form): another period and a breakdown.
    page.select_option("#f-period", "last-365d")
    page.select_option("#f-by", "channel")
    page.click(".overview-filters button[type=submit]")
    page.wait_for_url("**/app/overview?period=last-365d*by=channel*")
    assert page.locator("#f-period").input_value() == "last-365d"
    assert page.locator("#section-breakdown-h").inner_text() == "チャネル別の売上"
    assert page.locator("svg.chart").count() >= charts

    assert problems == [], problems  # no CSP violations or script errors
    context.close()
