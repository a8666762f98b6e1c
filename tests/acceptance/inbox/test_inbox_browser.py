"""The embeddable inbox snippet in headless Chromium: a shop page on another loopback origin
embeds it, sees the message, opens it (marked read) and dismisses it."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from kizuna.db.engine import transaction
from kizuna.messaging import inbox
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.inbox.conftest import NOW, Inboxes, identity
from tests.conftest import free_port

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("KIZUNA_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (set KIZUNA_TEST_CHROMIUM)"
        if IN_CI:
            pytest.fail(message + "; CI=true requires the browser test.", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _shop_page(script_tag: str) -> Generator[str, None, None]:
    html = ("<!doctype html><html lang='ja'><head><meta charset='utf-8'><title>Shop</title>"
            f"</head><body><h1>Shop</h1><div id='bell'></div>{script_tag}</body></html>")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_snippet_shows_reads_and_dismisses(browser: Any, live_server: str, runtime: Runtime,
                                           workspace: Workspace, write_key: str,
                                           inboxes: Inboxes) -> None:
    ids = identity(workspace, "hana-1", write_key)
    tag = (f'<script src="{live_server}/p/static/inbox.js" async data-target="#bell" '
           f'data-write-key="{write_key}" data-user-id="hana-1" '
           f'data-user-hash="{ids["X-Kizuna-User-Hash"]}" data-lang="ja"></script>')
    pages = _shop_page(tag)
    shop = next(pages)
    try:
        with transaction(runtime.sessions) as s:
            inbox.set_allowed_origins(s, workspace.id, [shop], now=NOW)
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        page.set_default_timeout(10_000)
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("dialog", lambda dialog: problems.append("dialog: " + dialog.message))
        page.goto(shop)
        badge = page.locator("#bell .kz-inbox-badge")
        badge.wait_for(state="visible")
        assert badge.text_content() == "1"

        page.locator("#bell .kz-inbox-bell").click()
        item = page.locator(".kz-inbox-item")
        item.wait_for(state="visible")
        # the title with markup is shown as text, not interpreted
        assert item.locator(".kz-inbox-title").text_content() == "<b>セール</b> 開催中"
        assert "onerror" in (item.locator(".kz-inbox-text").text_content() or "")
        assert page.locator(".kz-inbox-panel img, .kz-inbox-panel b").count() == 0
        assert item.locator("a").get_attribute("href") == "https://shop.example/sale"
        assert page.locator(".kz-inbox-panel h2").text_content() == "お知らせ"
        badge.wait_for(state="hidden")  # opened → marked read
        with transaction(runtime.sessions) as s:
            assert inbox.unread_count(s, workspace.id, inboxes.hana, now=NOW) == 0

        item.locator("button.kz-inbox-x").click()
        page.locator(".kz-inbox-note").wait_for(state="visible")
        assert page.locator(".kz-inbox-note").text_content() == "お知らせはありません"
        with transaction(runtime.sessions) as s:
            assert inbox.list_messages(s, workspace.id, inboxes.hana, now=NOW).items == []
            # the other customer's message is untouched
            (ken,) = inbox.list_messages(s, workspace.id, inboxes.ken, now=NOW).items
            assert ken.read_at is None
        assert problems == []
        context.close()
    finally:
        pages.close()


def test_snippet_floats_in_english_without_a_target(browser: Any, live_server: str,
                                                    runtime: Runtime, workspace: Workspace,
                                                    write_key: str, inboxes: Inboxes) -> None:
    ids = identity(workspace, "ken-2", write_key)
    tag = (f'<script src="{live_server}/p/static/inbox.js" async data-poll="0" '
           f'data-write-key="{write_key}" data-user-id="ken-2" '
           f'data-user-hash="{ids["X-Kizuna-User-Hash"]}" data-lang="en"></script>')
    pages = _shop_page(tag)
    shop = next(pages)
    try:
        with transaction(runtime.sessions) as s:
            inbox.set_allowed_origins(s, workspace.id, [shop], now=NOW)
        context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(shop)
        bell = page.locator(".kz-inbox-fixed .kz-inbox-bell")
        bell.wait_for(state="visible")
        page.locator(".kz-inbox-badge").wait_for(state="visible")
        assert bell.get_attribute("aria-label") == "Notifications (1 unread)"
        bell.click()
        item = page.locator(".kz-inbox-item")
        item.wait_for(state="visible")
        assert item.locator(".kz-inbox-title").text_content() == "Ken's note"
        assert item.locator("a").count() == 0  # no link
        box = page.locator(".kz-inbox-panel").bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0  # opens up, on screen
        assert page.locator(".kz-inbox-panel h2").text_content() == "Notifications"
        page.keyboard.press("Escape")
        page.locator(".kz-inbox-panel").wait_for(state="hidden")
        context.close()
    finally:
        pages.close()
