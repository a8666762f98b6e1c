"""The broadcasts admin API over HTTP: auth, create, send (via the ticker), results,
problem+json errors naming the field, state conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from kizuna.broadcasts import api as broadcasts
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.workspaces.contracts import Workspace

TEMPLATE = {"en": {"subject": "Sale", "text": "Hello"}, "ja": {"subject": "セール",
                                                                "text": "こんにちは"}}


def test_create_send_results(client: TestClient, runtime: Runtime, workspace: Workspace,
                             read_headers: dict[str, str],
                             admin_headers: dict[str, str]) -> None:
    now = runtime.clock.now()
    with runtime.sessions.begin() as s:
        profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=f"u{i}", email=f"u{i}@example.com",
                           traits={"plan": "pro"}) for i in range(40)], now)
        segments.create_segment(s, workspace.id, key="pro", name="Pro",
                                condition={"trait": "plan", "op": "eq", "value": "pro"},
                                now=now)
    body = {"key": "sale", "name": "Sale", "segment_key": "pro", "template": TEMPLATE,
            "arms": [{"name": "a"}, {"name": "b", "weight": 2}], "holdout_pct": 20,
            "throttle_per_minute": 600}
    assert client.post("/v1/broadcasts", json=body).status_code == 401
    assert client.post("/v1/broadcasts", json=body, headers=read_headers).status_code == 403
    r = client.post("/v1/broadcasts", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "draft" and [a["name"] for a in r.json()["arms"]] == ["a", "b"]
    assert client.post("/v1/broadcasts", json=body, headers=admin_headers).status_code == 409
    bad = client.post("/v1/broadcasts", json={**body, "key": "x", "channel": "fax"},
                      headers=admin_headers)
    assert bad.status_code == 400 and bad.json()["field"] == "channel"
    assert bad.headers["content-type"].startswith("application/problem+json")
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = client.post("/v1/broadcasts/sale/schedule", json={"scheduled_at": later},
                    headers=admin_headers)
    assert r.status_code == 200 and r.json()["status"] == "scheduled"
    r = client.post("/v1/broadcasts/sale/send", headers=admin_headers)
    assert r.status_code == 202 and r.json()["status"] == "scheduled"
    assert broadcasts.send_due(runtime.sessions, runtime.clock.now()) > 20
    r = client.get("/v1/broadcasts/sale", headers=read_headers)
    assert r.json()["status"] == "sent" and r.json()["recipients"] == 40
    r = client.get("/v1/broadcasts/sale/results", headers=read_headers)
    assert r.status_code == 200, r.text
    res = r.json()
    assert sum(res["arm_sizes"].values()) == 40 and set(res["arm_sizes"]) <= {"a", "b",
                                                                               "holdout"}
    assert res["delivery"]["queued"] == r.json()["arm_sizes"].get("a", 0) + \
        res["arm_sizes"].get("b", 0)
    assert res["report"]["control"] == "holdout" and res["still_open"] == 40
    r = client.post("/v1/broadcasts/sale/cancel", headers=admin_headers)
    assert r.status_code == 409 and r.json()["broadcast_status"] == "sent"
    listed = client.get("/v1/broadcasts?status=sent", headers=read_headers).json()
    assert listed["total"] == 1 and listed["items"][0]["key"] == "sale"
    assert client.get("/v1/broadcasts/nope", headers=read_headers).status_code == 404
    assert client.get("/v1/broadcasts?status=odd", headers=read_headers).status_code == 400
