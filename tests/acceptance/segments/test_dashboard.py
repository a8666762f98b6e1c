"""Dashboard pages of segments: builder with preview (viewer), save (marketer, CSRF), list,
members, escaped errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from kizuna.auth.contracts import Role
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user

PRO = json.dumps({"trait": "plan", "op": "eq", "value": "pro"})


def test_builder_preview_save_and_members(
    client: TestClient, runtime: Runtime, workspace: Workspace
) -> None:
    now = datetime.now(UTC)
    with runtime.sessions.begin() as s:
        ids = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=f"u{i}", traits={"plan": p})
            for i, p in enumerate(["pro", "free", "pro"])], now)
    create_user(runtime, workspace, "viewer@example.com", Role.VIEWER)
    create_user(runtime, workspace, "marketer@example.com", Role.MARKETER)
    assert login(client, "viewer@example.com").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/segments/new")
    assert page.status_code == 200 and 'id="segment-condition"' in page.text
    assert 'id="save"' not in page.text
    token = csrf_of(page.text)
    form = {"csrf_token": token, "key": "pro", "name": "Pro", "condition": PRO}
    preview = client.post("/app/segments/preview", data=form)
    assert preview.status_code == 200 and 'id="preview-size"' in preview.text
    assert "2 customers match now" in preview.text and "trait plan is pro" in preview.text
    assert client.post("/app/segments/save", data=form).status_code == 403
    assert client.post("/app/segments/preview", data={**form, "csrf_token": "x"}
                       ).status_code == 403
    bad = client.post("/app/segments/preview",
                      data={**form, "condition": '{"trait": "<b>x", "op": "zz"}'})
    assert bad.status_code == 400 and "condition.op" in bad.text and "<b>x" not in bad.text
    broken = client.post("/app/segments/preview", data={**form, "condition": "{"})
    assert broken.status_code == 400 and 'id="segment-error"' in broken.text
    client.cookies.clear()
    assert login(client, "marketer@example.com").status_code == 303  # type: ignore[attr-defined]
    token = csrf_of(client.get("/app/segments/new").text)
    saved = client.post("/app/segments/save", data={**form, "csrf_token": token},
                        follow_redirects=False)
    assert saved.status_code == 303
    with runtime.sessions.begin() as s:
        segments.recompute_segment(s, workspace.id, "pro", now)
    listing = client.get("/app/segments")
    assert listing.status_code == 200 and 'id="segment-pro"' in listing.text
    detail = client.get("/app/segments/pro?saved=1")
    assert 'id="saved"' in detail.text and f"#{ids[0]}" in detail.text
    loop = client.post("/app/segments/save", data={**form, "csrf_token": token, "key": "x",
                                                   "condition": '{"segment": "x"}'})
    assert loop.status_code == 409 and 'id="segment-error"' in loop.text
