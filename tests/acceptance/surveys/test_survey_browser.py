"""Answer an NPS + comment survey in headless Chromium: Japanese and English, with and
without JavaScript; the response is stored."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kizuna.runtime import Runtime
from kizuna.surveys.contracts import Survey
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.surveys.conftest import responses_of
from tests.conftest import free_port

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

TEXTS = {
    "ja": {"title": "お客様満足度アンケート", "next": "次へ", "send": "送信する",
           "comment": "ご意見をお聞かせください。", "thanks": "ご協力ありがとうございました!",
           "error": "入力内容を確認してください", "browser_locale": "ja-JP"},
    "en": {"title": "Customer survey", "next": "Next", "send": "Send",
           "comment": "Tell us more.", "thanks": "Thank you for your time!",
           "error": "There is a problem", "browser_locale": "en-US"},
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = (f"Chromium not found at {CHROMIUM}: run `apt-get install -y chromium "
                   "fonts-ipafont-gothic` (or set KIZUNA_TEST_CHROMIUM)")
        if IN_CI:
            pytest.fail(message + "; CI=true requires the browser test.", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _answer_once(browser: Any, live_server: str, locale: str, javascript: bool,
                 dialect: str) -> None:
    text = TEXTS[locale]
    context = browser.new_context(locale=text["browser_locale"], java_script_enabled=javascript,
                                  viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    # (Chrome logs every 4xx page load, e.g. the 400 of the form with errors: not a problem.)
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error"
            and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    external: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(live_server)
            else external.append(req.url))

    page.goto(f"{live_server}/p/s/nps-2026?order_id=B-{locale}-{javascript}")
    assert page.url == f"{live_server}/p/s/nps-2026"  # token-free, field-free URL
    assert page.locator("h1").inner_text() == text["title"]
    assert page.locator("html").get_attribute("lang") == locale

    # Next without an answer: the error summary is shown (and focused).
    page.get_by_role("button", name=text["next"]).click()
    page.wait_for_load_state("load")
    summary = page.locator("#error-summary")
    assert summary.is_visible() and text["error"] in summary.inner_text()
    if javascript:
        assert page.evaluate("document.activeElement && document.activeElement.id") == (
            "error-summary")

    # Keyboard: focus the 0 radio, arrow to 9, Enter submits the form.
    page.locator("#q-score-0").focus()
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert page.locator("#q-score-9").is_checked()
    page.get_by_role("button", name=text["next"]).click()
    page.wait_for_url(f"{live_server}/p/s/nps-2026")
    assert text["comment"] in page.locator("form").inner_text()
    page.fill("textarea[name=answer]", f"<script>alert(1)</script> {locale} 👍")
    page.screenshot(path=str(SCREENSHOTS / f"kizuna-survey-{locale}-js{int(javascript)}-"
                             f"{dialect}.png"))
    page.get_by_role("button", name=text["send"]).click()
    page.wait_for_url(f"{live_server}/p/s/nps-2026/thanks")
    assert text["thanks"] in page.locator("#thanks").inner_text()
    assert "<script>alert(1)</script>" in page.locator("#answers").inner_text()  # as text
    assert page.locator("#answers script").count() == 0
    assert problems == [] and external == []
    context.close()


def test_answer_nps_survey_in_japanese_and_english_with_and_without_javascript(
    browser: Any, live_server: str, runtime: Runtime, workspace: Workspace, nps: Survey,
    database_url: str,
) -> None:
    dialect = database_url.split(":", 1)[0].split("+", 1)[0]
    for locale in ("ja", "en"):
        for javascript in (True, False):
            _answer_once(browser, live_server, locale, javascript, dialect)
    stored = responses_of(runtime, workspace, nps)
    assert len(stored) == 4 and all(r.complete and r.score == 9 for r in stored)
    assert sorted(r.locale for r in stored) == ["en", "en", "ja", "ja"]
    assert sorted(r.hidden["order_id"] for r in stored) == [
        "B-en-False", "B-en-True", "B-ja-False", "B-ja-True"]
    assert all(r.comment and r.comment.startswith("<script>") for r in stored)




@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # browser + JS, not SQL
def test_embed_widget_inserts_a_sized_iframe_that_answers_without_cookies(
    browser: Any, live_server: str, runtime: Runtime, workspace: Workspace,
) -> None:
    from tests.acceptance.surveys.conftest import NPS_DOC, create_survey, doc

    # The shop: another origin (its own port on loopback), a real HTTP server.
    host: list[bytes] = []

    class ShopPage(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(host[0])

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), ShopPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shop = f"http://127.0.0.1:{server.server_address[1]}"
    survey = create_survey(runtime, workspace,
                           doc(NPS_DOC, key="widget", allowed_embed_origins=[shop]))
    host.append((f'<!doctype html><html><body><h1>Shop</h1><script src="{live_server}'
                 '/p/static/survey-embed.js" data-kizuna-survey="widget" data-lang="en" '
                 'data-field-category="tea"></script><p id="after">after</p></body></html>'
                 ).encode())
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{shop}/product/1")
    frame_element = page.locator("iframe.kizuna-survey-frame")
    assert frame_element.get_attribute("src") == (
        f"{live_server}/p/s/widget/embed?lang=en&category=tea")
    frame = page.frame_locator("iframe.kizuna-survey-frame")
    assert "How likely" in frame.locator("legend").inner_text()
    # The embed page reports its height; the iframe follows it (not the 480 default).
    page.wait_for_function(
        "() => document.querySelector('iframe.kizuna-survey-frame').height !== '480'")
    content = frame.locator("html").evaluate(
        "el => Math.ceil(el.getBoundingClientRect().height)")
    assert abs(int(frame_element.get_attribute("height") or 0) - content) <= 2
    context.clear_cookies()
    frame.locator("label[for=q-score-2]").click()
    frame.get_by_role("button", name="Next").click()
    frame.locator("label[for=q-reason-0]").click()
    frame.get_by_role("button", name="Next").click()
    frame.locator("textarea").fill("too expensive")
    frame.get_by_role("button", name="Send").click()
    assert "Thank you for your time!" in frame.locator("#thanks").inner_text()
    assert errors == []
    [stored] = responses_of(runtime, workspace, survey)
    assert stored.complete and stored.score == 2 and stored.channel.value == "embed"
    assert dict(stored.hidden) == {"category": "tea"} and stored.answers["reason"] == "price"
    context.close()
    server.shutdown()
