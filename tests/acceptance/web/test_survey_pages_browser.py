"""Survey pages in headless Chromium: create from a template, fix an invalid definition,
launch, read the results (SVG charts) in Japanese — no console errors, no CSP violations,
nothing loaded from elsewhere; and the same flow works with JavaScript disabled."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from kizuna.auth.contracts import Role
from kizuna.runtime import Runtime
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel, ResponseStart
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.data import PASSWORD, create_user
from tests.acceptance.web.test_browser import browser  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.browser

MARKETER = "marketer@example.com"


BAD_REQUEST = "the server responded with a status of 400"  # the invalid save, on purpose


def _watch(page: Any, base: str) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    external: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and BAD_REQUEST not in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("request",
            lambda req: None if req.url.startswith(base) else external.append(req.url))
    return problems, external


def _login(page: Any, base: str) -> None:
    page.goto(f"{base}/app/login")
    page.fill("input[name=email]", MARKETER)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]:not(.link)")
    page.wait_for_url(f"{base}/app/overview")


def _create_and_launch(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/app/surveys")
    page.click("#new-survey")
    page.check("#starter-nps_post_purchase")
    page.fill("#key", key)
    page.click("form.survey-new button[type=submit]")
    page.wait_for_url(f"{base}/app/surveys/*/edit?created=1")
    # An invalid change is refused with its path; the text stays in the editor.
    doc = json.loads(page.input_value("#definition"))
    doc["questions"][0]["type"] = "stars"
    page.fill("#definition", json.dumps(doc))
    page.click("form.stack button[type=submit]")
    assert page.locator("code.error-path", has_text="questions[0].type").count() == 1
    assert '"stars"' in page.input_value("#definition")
    doc["questions"][0]["type"] = "nps"
    page.fill("#definition", json.dumps(doc, ensure_ascii=False))
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**?saved=2")
    page.click("#launch")
    page.wait_for_url("**?status=active")
    main = page.inner_text("main")
    assert page.locator("#public-link").count() == 1, main
    assert page.locator("#public-link").input_value().endswith(f"/p/s/{key}")


def test_survey_pages_in_chromium_with_and_without_javascript(
    browser: Any,  # noqa: F811
    live_server: str,
    runtime: Runtime,
    workspace: Workspace,
) -> None:
    create_user(runtime, workspace, MARKETER, Role.MARKETER)
    base = live_server.rstrip("/")

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: CI machines run tests in parallel
    problems, external = _watch(page, base)
    _login(page, base)
    _create_and_launch(page, base, "after-order")
    assert page.locator("button[data-copy=public-link]").is_visible()  # JS shows it

    with runtime.sessions() as s, s.begin():
        for i, score in enumerate([10, 9, 9, 7, 3, 10, 8, 6]):
            surveys.answer_survey(
                s, workspace.id, "after-order",
                {"nps": score, "comment": "<b>速い</b>" if i == 0 else None},
                ResponseStart(channel=Channel.LINK, locale="ja", hidden={"category": "Jazz"}),
                at=runtime.clock.now() - timedelta(days=i + 1))
    page.click("form.lang button[value=ja]")
    page.click(".survey-tabs a >> nth=0")
    page.wait_for_selector("#score .kpi-value")
    assert "n = 8" in page.inner_text("#score")
    assert page.locator("svg.chart").count() >= 2
    assert page.inner_text("#comments").count("<b>速い</b>") == 1  # shown as typed, escaped
    assert "結果" in page.title()
    page.select_option("#f-by", "category")
    page.click("form.overview-filters button[type=submit]")
    page.wait_for_selector("#breakdown")
    page.goto(page.url.split("?")[0] + "/responses")
    assert page.locator("#responses tbody tr").count() == 8
    assert problems == [] and external == []
    context.close()

    # Without JavaScript: every form still works; the copy button stays hidden.
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(30_000)  # generous: CI machines run tests in parallel
    problems, external = _watch(page, base)
    _login(page, base)
    _create_and_launch(page, base, "no-js")
    assert not page.locator("button[data-copy=public-link]").is_visible()
    assert problems == [] and external == []
    context.close()
