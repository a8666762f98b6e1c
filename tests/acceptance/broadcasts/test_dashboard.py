"""Dashboard pages of broadcasts: list (viewer), create with a local send time (marketer,
CSRF), send now, the results with the arm report (en / ja), cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.broadcasts import api as broadcasts
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user


def test_create_send_and_read_results(client: TestClient, runtime: Runtime,
                                      workspace: Workspace) -> None:
    now = datetime.now(UTC)
    with runtime.sessions.begin() as s:
        profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=f"u{i}", email=f"u{i}@example.com",
                           traits={"plan": "pro"}) for i in range(30)], now)
        segments.create_segment(s, workspace.id, key="pro", name="Pro",
                                condition={"trait": "plan", "op": "eq", "value": "pro"},
                                now=now)
    create_user(runtime, workspace, "viewer@example.com", Role.VIEWER)
    create_user(runtime, workspace, "marketer@example.com", Role.MARKETER)
    assert login(client, "viewer@example.com").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/broadcasts")
    assert page.status_code == 200 and 'id="new-broadcast"' not in page.text
    assert client.get("/app/broadcasts/new").status_code == 403
    client.cookies.clear()
    assert login(client, "marketer@example.com").status_code == 303  # type: ignore[attr-defined]
    form_page = client.get("/app/broadcasts/new")
    assert form_page.status_code == 200 and '<option value="pro"' in form_page.text
    token = csrf_of(form_page.text)
    form = {"csrf_token": token, "key": "sale", "name": "<b>Sale</b>", "segment_key": "pro",
            "channel": "email", "purpose": "marketing", "subject_ja": "セール",
            "text_ja": "こんにちは", "subject_en": "Sale", "text_en": "Hello",
            "arms": "a:1\nb:1", "holdout_pct": "20", "global_control_pct": "0",
            "goal_event": "", "window_days": "7", "throttle_per_minute": "",
            "webhook_url": "", "scheduled_at": "2030-01-15T10:30"}
    assert client.post("/app/broadcasts", data={**form, "csrf_token": "x"}).status_code == 403
    bad = client.post("/app/broadcasts", data={**form, "holdout_pct": "99",
                                               "global_control_pct": "5"})
    assert bad.status_code == 400 and 'id="broadcast-error"' in bad.text
    saved = client.post("/app/broadcasts", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with runtime.sessions.begin() as s:
        b = broadcasts.get_broadcast(s, workspace.id, "sale")
    local = datetime(2030, 1, 15, 10, 30, tzinfo=ZoneInfo(workspace.timezone))
    assert b.status.value == "scheduled" and b.scheduled_at == local.astimezone(UTC)
    detail = client.get(saved.headers["location"])
    assert detail.status_code == 200 and "&lt;b&gt;Sale&lt;/b&gt;" in detail.text
    assert 'id="no-results"' in detail.text and 'id="send-form"' in detail.text
    token = csrf_of(detail.text)
    sent = client.post("/app/broadcasts/sale/send", data={"csrf_token": token},
                       follow_redirects=False)
    assert sent.status_code == 303
    assert broadcasts.send_due(runtime.sessions, runtime.clock.now()) > 0
    detail = client.get("/app/broadcasts/sale")
    assert 'id="arm-report"' in detail.text and 'data-arm="holdout"' in detail.text
    assert 'id="delivery-queued"' in detail.text and 'id="send-form"' not in detail.text
    assert "Sent" in detail.text
    ja = client.get("/app/broadcasts/sale", headers={"Accept-Language": "ja"})
    assert ja.status_code == 200 and "群ごとの結果" in ja.text and "配信済み" in ja.text
    listing = client.get("/app/broadcasts?status=sent")
    assert 'id="broadcast-sale"' in listing.text
    cancel = client.post("/app/broadcasts/sale/cancel", data={"csrf_token": token})
    assert cancel.status_code == 409
