"""Alerts of new follow-up tasks: sent after commit to a real SMTP server and a real webhook
receiver on loopback, recorded, retried after failures (at most five attempts)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from kizuna.feedback import api as feedback
from kizuna.runtime import Runtime, build_runtime
from kizuna.settings import Settings
from kizuna.workspaces import api as workspaces
from tests.integration.feedback.data import XSS, answer, customers
from tests.unit.feedback.servers import Hook, Inbox, smtp_server, webhook_server

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


@pytest.fixture
def servers() -> Iterator[tuple[int, Inbox, Hook]]:
    with smtp_server() as (port, inbox), webhook_server(500, 200) as hook:
        yield port, inbox, hook


@pytest.fixture
def alerting(settings: Settings, servers: tuple[int, Inbox, Hook]) -> Iterator[Runtime]:
    port, _, hook = servers
    rt = build_runtime(settings.model_copy(update={
        "smtp_url": SecretStr(f"smtp://127.0.0.1:{port}"), "alert_email_from": "kizuna@example.com",
        "alert_email_to": "cx@example.com, lead@example.com", "alert_webhook_url": hook.url,
        "alert_webhook_secret": SecretStr(SECRET), "webhook_allowed_hosts": "127.0.0.1",
        "followup_default_owner": "cx@example.com", "default_locale": "ja",
    }))
    yield rt
    rt.close()


def test_alerts_are_sent_after_commit_recorded_and_retried(
    alerting: Runtime, servers: tuple[int, Inbox, Hook]
) -> None:
    _, inbox, hook = servers
    with alerting.sessions.begin() as s:
        ws = workspaces.ensure_default_workspace(s, alerting.clock).id
    [c] = customers(alerting, ws, 1)
    answer(alerting, ws, "r1", f"配送が遅い {XSS}", score=2, customer=c)
    answer(alerting, ws, "r2", "最高", score=10, customer=c)  # a promoter: no alert
    assert inbox.messages == [] and hook.requests == []  # nothing is sent inside the transaction

    first = feedback.deliver_pending_alerts(alerting)
    assert (first.sent, first.failed) == (1, 1)  # email sent; webhook answered 500
    [(sender, rcpts, msg)] = inbox.messages
    assert sender == "kizuna@example.com" and rcpts == ["cx@example.com", "lead@example.com"]
    assert "フォローアップ" in msg["Subject"] and "配送" not in msg["Subject"]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "cx@example.com" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    with alerting.sessions.begin() as s:
        by_channel = {d.channel: d for d in feedback.list_deliveries(s, ws)}
    assert by_channel["email"].status == "sent" and by_channel["email"].attempts == 1
    assert by_channel["webhook"].status == "failed" and by_channel["webhook"].error == "HTTP 500"

    second = feedback.deliver_pending_alerts(alerting)  # the failed webhook is retried
    assert (second.sent, second.failed) == (1, 0)
    assert len(inbox.messages) == 1 and len(hook.requests) == 2
    _, headers, body = hook.requests[-1]
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    assert headers["webhook-signature"] == "v1," + base64.b64encode(
        hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-id"] == hook.requests[0][1]["webhook-id"]  # same id on retry
    event = json.loads(body)
    assert event["type"] == "feedback.followup_task.opened"
    assert event["data"]["feedback"]["text"] == f"配送が遅い {XSS}"
    assert event["data"]["owner"] == "cx@example.com" and event["data"]["due_at"]
    assert feedback.deliver_pending_alerts(alerting).sent == 0  # nothing left to send


def test_a_refused_webhook_gives_up_after_five_attempts(
    settings: Settings, runtime: Runtime
) -> None:
    rt = build_runtime(settings.model_copy(update={
        "alert_webhook_url": "http://127.0.0.1:9/never"}))  # loopback, not allow-listed
    try:
        with rt.sessions.begin() as s:
            ws = workspaces.ensure_default_workspace(s, rt.clock).id
        [c] = customers(rt, ws, 1)
        answer(rt, ws, "r1", "bad", score=0, customer=c)
        reports = [feedback.deliver_pending_alerts(rt) for _ in range(6)]
        assert [r.failed for r in reports] == [1, 1, 1, 1, 1, 0]
        assert reports[4].gave_up == 1
        with rt.sessions.begin() as s:
            [d] = feedback.list_deliveries(s, ws)
        assert d.attempts == 5 and d.status == "failed"
        assert d.error is not None and "loopback" in d.error
    finally:
        rt.close()
