"""The feedback admin API over HTTP: inbox, tags, drivers, tasks, closed-loop metrics."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kizuna.auth.contracts import Scope
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.feedback.conftest import Inbox
from tests.acceptance.web.data import create_key
from tests.integration.feedback.data import XSS

PROBLEM = "application/problem+json"


def test_feedback_api(
    client: TestClient, runtime: Runtime, workspace: Workspace, inbox: Inbox
) -> None:
    read = {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.READ)}"}
    admin = {"Authorization": f"Bearer {create_key(runtime, workspace, Scope.ADMIN)}"}
    assert client.get("/v1/feedback").status_code == 401
    body = client.get("/v1/feedback", headers=read).json()
    assert body["total"] == 3 and body["items"][0]["id"] == inbox.anonymous
    assert body["items"][0]["customer_id"] is None and body["items"][0]["received_at"] is None
    got = client.get("/v1/feedback", params={"score_group": "detractor", "q": "slow"},
                     headers=read).json()
    assert [i["id"] for i in got["items"]] == [inbox.detractor]
    assert got["items"][0]["text"] == f"Slow delivery {XSS}"  # JSON carries it as data
    bad = client.get("/v1/feedback", params={"score_group": "angry"}, headers=read)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith(PROBLEM)
    assert bad.json()["type"].endswith("/feedback-filter-invalid")

    tag = {"item_ids": [inbox.detractor, inbox.promoter], "add": ["Delivery"]}
    assert client.post("/v1/feedback/tags", json=tag, headers=read).status_code == 403
    assert client.post("/v1/feedback/tags", json=tag, headers=admin).json() == {"changed": 2}
    bad = client.post("/v1/feedback/tags", json={"item_ids": [1], "add": ["<x>"]}, headers=admin)
    assert bad.status_code == 400 and bad.json()["type"].endswith("/tag-invalid")
    tagged = client.get("/v1/feedback", params={"tag": "delivery"}, headers=read).json()
    assert tagged["total"] == 2

    assert client.get("/v1/feedback/drivers", headers=read).json() == {"drivers": []}
    assert client.get("/v1/feedback/themes", headers=read).json() == {"themes": []}

    tasks = client.get("/v1/feedback/tasks", headers=read).json()
    assert tasks["total"] == 1
    task = tasks["items"][0]
    assert task["feedback"]["id"] == inbox.detractor and task["status"] == "open"
    assert task["due_at"] is not None  # the policy (48 h) is applied when listed
    url = f"/v1/feedback/tasks/{task['id']}"
    assert client.post(url, json={"status": "contacted"}, headers=read).status_code == 403
    done = client.post(url, json={"status": "contacted", "note": "Called <them>",
                                  "owner": "CX@example.com"}, headers=admin).json()
    assert done["status"] == "contacted" and done["owner_email"] == "cx@example.com"
    assert done["contacted_at"] is not None
    assert [n["kind"] for n in done["notes"]] == ["opened", "status", "assign", "note"]
    bad = client.post(url, json={"status": "finished"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["type"].endswith("/task-change-invalid")
    missing = client.get("/v1/feedback/tasks/999999", headers=read)
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/followup-task-not-found")
    assert client.get(f"{url}/alerts", headers=read).json() == []

    loop = client.get("/v1/feedback/closed-loop", params={"since": "2026-04-01",
                                                          "until": "2026-05-31"},
                      headers=read).json()
    assert (loop["tasks"], loop["contacted"], loop["contacted_share"]) == (1, 1, 1.0)
    assert loop["ci_low"] < 1.0 and loop["ci_high"] == 1.0 and loop["open"] == 0
    assert loop["median_hours_to_contact"] is not None
    csat = client.get("/v1/feedback/closed-loop", params={"since": "2026-04-01",
                                                          "reason": "low_csat"}, headers=read)
    assert csat.json()["tasks"] == 0
    bad = client.get("/v1/feedback/closed-loop", params={"reason": "x"}, headers=read)
    assert bad.status_code == 400
