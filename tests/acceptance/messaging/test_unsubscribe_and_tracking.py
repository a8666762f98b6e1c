"""Unsubscribe and tracking links against the real app on a loopback port (SQLite and
PostgreSQL): RFC 8058 one-click POST without cookies unsubscribes, GET never does; the open
pixel and click redirect record events once and refuse altered tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
from sqlalchemy import func, select

from kizuna.ingest.tables import EventRow
from kizuna.messaging import api as messaging
from kizuna.messaging.channels.smtp import LinkSettings, SmtpChannel, SmtpTarget
from kizuna.messaging.channels.tracking import click_token
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.profiles.tables import ConsentRow
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.integration.messaging.channel_servers import smtp_server

NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def _customer(runtime: Runtime, workspace: Workspace, locale: str = "ja") -> CustomerId:
    with runtime.sessions() as s, s.begin():
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id="u-1", email="hana@example.com", first_name="Hana",
            locale=locale)], NOW - timedelta(days=3))
        profiles.record_consent(s, workspace.id, cid, channel="email", purpose="marketing",
                                status="granted", method="signup-form", wording="ok",
                                at=NOW - timedelta(days=3))
    return cid


def _email_consent(runtime: Runtime, workspace: Workspace, cid: CustomerId) -> tuple[str, int]:
    with runtime.sessions() as s:
        [consent] = [c for c in profiles.list_consents(s, workspace.id, cid)
                     if (c.channel, c.purpose) == ("email", "marketing")]
        withdrawals = s.scalar(select(func.count()).select_from(ConsentRow).where(
            ConsentRow.customer_id == cid, ConsentRow.status == "withdrawn"))
    return consent.status, int(withdrawals or 0)


def test_one_click_post_without_cookies_unsubscribes_and_get_does_not(
    live_server: str, settings: Settings, runtime: Runtime, workspace: Workspace
) -> None:
    cid = _customer(runtime, workspace)
    token = messaging.unsubscribe_token(
        settings.secret_key.get_secret_value(),
        messaging.UnsubscribeScope(workspace_id=workspace.id, customer_id=cid, channel="email",
                                   purpose="marketing"))
    url = f"{live_server}/p/u/{token}"

    page = httpx.get(url)
    assert page.status_code == 200 and "配信を停止しますか" in page.text
    assert f'action="/p/u/{token}"' in page.text and 'method="post"' in page.text
    assert "Stop receiving" in httpx.get(url, params={"lang": "en"}).text
    httpx.head(url)
    assert _email_consent(runtime, workspace, cid) == ("granted", 0)

    # what a mail client sends: no cookie, no CSRF token
    done = httpx.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "配信を停止しました" in done.text
    assert "cookie" not in {k.lower() for k in done.request.headers}
    assert _email_consent(runtime, workspace, cid) == ("withdrawn", 1)
    again = httpx.post(url, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "すでに配信停止済み" in again.text
    assert _email_consent(runtime, workspace, cid) == ("withdrawn", 1)
    assert "already unsubscribed" in httpx.get(url, params={"lang": "en"}).text

    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert httpx.get(f"{live_server}/p/u/{forged}").status_code == 404
    assert httpx.post(f"{live_server}/p/u/{forged}").status_code == 404


def _html(raw: bytes) -> str:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_pixel_and_click_from_a_real_email_record_events_once(
    live_server: str, settings: Settings, runtime: Runtime, workspace: Workspace
) -> None:
    cid = _customer(runtime, workspace, locale="en")
    secret = settings.secret_key.get_secret_value()
    target_url = "https://shop.example/sale?utm=mail&x=1"
    with smtp_server() as (port, box):
        channel = SmtpChannel(SmtpTarget(host="127.0.0.1", port=port), sender="b@shop.example",
                              links=LinkSettings(base_url=live_server, secret=secret))
        outcome = channel.send(messaging.OutgoingMessage(
            workspace_id=workspace.id, customer_id=cid, to="hana@example.com", subject="Sale",
            text="Sale", html=f'<p><a href="{target_url.replace("&", "&amp;")}">Sale</a></p>'),
            idempotency_key="campaign-9:customer-1")
    assert isinstance(outcome, messaging.Delivered)
    html = _html(box.received[0][2])
    [pixel] = re.findall(r'src="([^"]+/p/o/[^"]+\.gif)"', html)
    [click] = re.findall(r'href="([^"]+/p/c/[^"]+)"', html)

    for _ in range(2):
        got = httpx.get(pixel)
        assert got.status_code == 200 and got.headers["content-type"] == "image/gif"
        assert "no-store" in got.headers["cache-control"] and got.content.startswith(b"GIF89a")
        hop = httpx.get(click, follow_redirects=False)
        assert hop.status_code == 302 and hop.headers["location"] == target_url
    with runtime.sessions() as s:
        events = s.execute(select(EventRow.event, EventRow.properties).where(
            EventRow.customer_id == cid)).all()
    names = sorted(e for e, _ in events)
    assert names == ["Email Link Clicked", "Email Opened"]
    clicked = next(p for e, p in events if e == "Email Link Clicked")
    assert clicked["url"] == target_url and clicked["message_key"] == "campaign-9:customer-1"

    base, token = click.rsplit("/", 1)
    assert httpx.get(f"{base}/{token[:-2]}xx", follow_redirects=False).status_code == 404
    evil = click_token("not-the-app-secret", workspace.id, cid, "m", "https://evil.example/")
    assert httpx.get(f"{base}/{evil}", follow_redirects=False).status_code == 404
    assert httpx.get(pixel.replace("/p/o/", "/p/o/x"), follow_redirects=False
                     ).status_code == 404
    # an open token is not a click token (no redirect to nowhere)
    open_token = pixel.rsplit("/", 1)[1].removesuffix(".gif")
    assert httpx.get(f"{base}/{open_token}", follow_redirects=False).status_code == 404
