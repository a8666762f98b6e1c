"""The public member page in Japanese, in headless Chromium: open the link, redeem, see the
coupon code; phone-sized, no external requests, no console errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kizuna.loyalty import api as loyalty
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.test_browser import SCREENSHOTS, browser

pytestmark = pytest.mark.browser
__all__ = ["browser"]


def test_member_redeems_a_reward_in_japanese_on_a_phone(
    browser: Any, live_server: str, runtime: Runtime, workspace: Workspace,
    member: CustomerId, database_url: str,
) -> None:
    with runtime.sessions.begin() as s:
        token = loyalty.issue_member_page_link(s, workspace.id, member, now=runtime.clock.now())
    context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    # Chrome logs every 4xx load (e.g. /favicon.ico) as a console error: failed loads of the
    # page's own assets are caught below instead.
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error"
            and not msg.text.startswith("Failed to load resource") else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    external: list[str] = []
    page.on("request",
            lambda req: None if req.url.startswith(live_server) else external.append(req.url))

    page.goto(f"{live_server}/p/loyalty?m={token}")
    assert page.url == f"{live_server}/p/loyalty"  # the token left the address bar
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("#balance").inner_text().startswith("500")
    assert "コーヒー1杯" in page.locator("#reward-coffee").inner_text()
    assert page.locator("#reward-bag button").is_disabled()  # 5,000 pt: too dear
    page.locator("#reward-coffee button").click()
    code = page.locator("#coupon-code").inner_text()
    assert re.fullmatch(r"CAFE-[A-Z2-9]{10}", code)
    assert page.locator("#balance").inner_text().startswith("300")
    assert "クーポンコード" in page.locator("#coupon").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways ({width}px)"
    dialect = database_url.split(":", 1)[0].split("+", 1)[0]
    page.screenshot(path=str(SCREENSHOTS / f"kizuna-loyalty-member-ja-{dialect}.png"),
                    full_page=True)
    assert not problems and not external and not failed
    context.close()
