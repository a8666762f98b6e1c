"""The segments admin API over HTTP: auth, define, preview, recompute via CLI facade, members,
problem+json errors that name the path."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.workspaces.contracts import Workspace

PRO = {"trait": "plan", "op": "eq", "value": "pro"}


def test_define_preview_recompute_members(
    client: TestClient, runtime: Runtime, workspace: Workspace,
    read_headers: dict[str, str], admin_headers: dict[str, str],
) -> None:
    now = datetime.now(UTC)
    with runtime.sessions.begin() as s:
        ids = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=f"u{i}", traits={"plan": p})
            for i, p in enumerate(["pro", "free", "pro"])], now)
    r = client.post("/v1/segments/preview", json={"condition": PRO}, headers=read_headers)
    assert r.status_code == 200 and r.json()["size"] == 2
    assert set(r.json()["sample"]) == {ids[0], ids[2]}
    body = {"key": "pro", "name": "Pro", "condition": PRO}
    assert client.post("/v1/segments", json=body, headers=read_headers).status_code == 403
    r = client.post("/v1/segments", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    assert r.json()["description"] == "trait plan is pro"
    assert client.post("/v1/segments", json=body, headers=admin_headers).status_code == 409
    with runtime.sessions.begin() as s:
        segments.recompute_segment(s, workspace.id, "pro", now)
    r = client.get("/v1/segments/pro/members", headers=read_headers)
    assert r.json()["customer_ids"] == sorted([ids[0], ids[2]])
    assert client.get("/v1/segments", headers=read_headers).json()[0]["size"] == 2
    r = client.put("/v1/segments/pro", json={"name": "Free", "condition": {
        "trait": "plan", "op": "eq", "value": "free"}}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["name"] == "Free"
    assert client.delete("/v1/segments/pro", headers=admin_headers).status_code == 204
    r = client.get("/v1/segments/pro", headers=read_headers)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_errors_are_problems(client: TestClient, admin_headers: dict[str, str]) -> None:
    assert client.get("/v1/segments").status_code == 401
    bad = {"key": "x", "name": "X", "condition": {"all": [PRO, {"event": "A",
                                                                "within_days": 0}]}}
    r = client.post("/v1/segments", json=bad, headers=admin_headers)
    assert r.status_code == 400
    assert r.json()["type"].endswith("/segment-condition-invalid")
    assert r.json()["path"] == "condition.all[1].within_days"
    loop = {"key": "x", "name": "X", "condition": {"segment": "x"}}
    r = client.post("/v1/segments", json=loop, headers=admin_headers)
    assert r.status_code == 409 and r.json()["type"].endswith("/segment-cycle")
