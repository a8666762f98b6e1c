"""Delivery admin API: jobs (list, detail with attempts, retry, counts), send policy,
suppressions, e-mail events."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from kizuna.db.engine import transaction
from kizuna.jobs import api as jobs
from kizuna.jobs.contracts import Fail
from kizuna.messaging import api as messaging
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _failed_job(runtime: Runtime, workspace: Workspace) -> int:
    with transaction(runtime.sessions) as s:
        job = jobs.enqueue(s, workspace_id=workspace.id, kind="test.kind", idempotency_key="k1",
                           payload={"n": 1}, now=NOW, max_attempts=3).job
        jobs.enqueue(s, workspace_id=workspace.id, kind="test.kind", idempotency_key="k2",
                     payload={"n": 2}, now=NOW)
    (claimed,) = jobs.claim(runtime.sessions, worker="w1", now=NOW, limit=1)
    assert claimed.id == job.id
    jobs.complete(runtime.sessions, claimed, Fail("the address is refused"), NOW)
    return job.id


def test_jobs_list_detail_retry_counts(client: TestClient, runtime: Runtime,
                                       workspace: Workspace, read_headers: dict[str, str],
                                       admin_headers: dict[str, str]) -> None:
    job_id = _failed_job(runtime, workspace)
    listed = client.get("/v1/jobs", headers=read_headers).json()
    assert [j["id"] for j in listed["items"]] == [job_id]
    assert listed["items"][0]["status"] == "failed"
    assert client.get("/v1/jobs?status=queued&limit=5", headers=read_headers).json()[
        "items"][0]["idempotency_key"] == "k2"
    bad = client.get("/v1/jobs?status=lost", headers=read_headers)
    assert bad.status_code == 400 and bad.json()["field"] == "status"

    detail = client.get(f"/v1/jobs/{job_id}", headers=read_headers).json()
    assert detail["last_error"] == "the address is refused"
    assert [(a["attempt"], a["outcome"], a["worker"]) for a in detail["attempt_log"]] == [
        (1, "failed", "w1")]

    counts = client.get("/v1/jobs/counts", headers=read_headers).json()
    assert counts["total"]["failed"] == 1 and counts["total"]["queued"] == 1
    assert {"kind": "test.kind", "status": "failed", "count": 1} in counts["items"]

    assert client.post(f"/v1/jobs/{job_id}/retry", headers=read_headers).status_code == 403
    retried = client.post(f"/v1/jobs/{job_id}/retry", headers=admin_headers)
    assert retried.status_code == 200 and retried.json()["status"] == "queued"
    again = client.post(f"/v1/jobs/{job_id}/retry", headers=admin_headers)
    assert again.status_code == 409
    assert client.get("/v1/jobs/999999", headers=read_headers).status_code == 404
    assert client.get("/v1/jobs").status_code == 401


def test_other_workspaces_jobs_are_invisible(client: TestClient, runtime: Runtime,
                                             workspace: Workspace,
                                             read_headers: dict[str, str]) -> None:
    from kizuna.workspaces.tables import WorkspaceRow

    with transaction(runtime.sessions) as s:
        other = WorkspaceRow(slug="other", name="Other", timezone="UTC", currency="JPY",
                             created_at=NOW)
        s.add(other)
        s.flush()
        hidden = jobs.enqueue(s, workspace_id=other.id, kind="test.kind", idempotency_key="x",
                              payload={}, now=NOW).job
    assert client.get(f"/v1/jobs/{hidden.id}", headers=read_headers).status_code == 404


def test_send_policy_read_and_patch(client: TestClient, read_headers: dict[str, str],
                                    admin_headers: dict[str, str]) -> None:
    policy = client.get("/v1/send-policy", headers=read_headers).json()
    assert policy["daily_cap"] == 2 and policy["quiet_start_minute"] == 21 * 60
    assert client.patch("/v1/send-policy", json={"daily_cap": 3},
                        headers=read_headers).status_code == 403
    changed = client.patch("/v1/send-policy", json={"daily_cap": 3, "quiet_end_minute": 420},
                           headers=admin_headers)
    assert changed.status_code == 200
    assert changed.json()["daily_cap"] == 3 and changed.json()["quiet_end_minute"] == 420
    assert changed.json()["weekly_cap"] == policy["weekly_cap"]
    assert client.get("/v1/send-policy", headers=read_headers).json()["daily_cap"] == 3

    for body, field in (({"daily_cap": -1}, "daily_cap"),
                        ({"quiet_start_minute": 1440}, "quiet_start_minute"),
                        ({"email_per_second": 0}, "email_per_second"),
                        ({"daily_cap": None}, "daily_cap")):
        r = client.patch("/v1/send-policy", json=body, headers=admin_headers)
        assert r.status_code == 400, body
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["field"] == field and field in r.json()["detail"]
    unknown = client.patch("/v1/send-policy", json={"monthly_cap": 3}, headers=admin_headers)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "monthly_cap"
    wrong_type = client.patch("/v1/send-policy", json={"daily_cap": "many"},
                              headers=admin_headers)
    assert wrong_type.status_code == 400
    assert wrong_type.json()["errors"][0]["field"] == "daily_cap"


def test_suppressions_add_list_delete(client: TestClient, runtime: Runtime,
                                      workspace: Workspace, read_headers: dict[str, str],
                                      admin_headers: dict[str, str]) -> None:
    with transaction(runtime.sessions) as s:
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id="u1", email="Hana@Example.com")], NOW)
    added = client.post("/v1/suppressions", json={"address": " Hana@Example.com "},
                        headers=admin_headers)
    assert added.status_code == 201
    entry = added.json()
    assert entry["address"] == "hana@example.com" and entry["reason"] == "manual"
    twice = client.post("/v1/suppressions", json={"address": "hana@example.com"},
                        headers=admin_headers)
    assert twice.json()["id"] == entry["id"]
    by_customer = client.post("/v1/suppressions", json={"channel": "in_app",
                                                         "customer_id": cid},
                              headers=admin_headers)
    assert by_customer.status_code == 201
    nobody = client.post("/v1/suppressions", json={"channel": "email"}, headers=admin_headers)
    assert nobody.status_code == 400 and nobody.json()["field"] == "address"
    bad_reason = client.post("/v1/suppressions", json={"address": "a@b.jp", "reason": "x"},
                             headers=admin_headers)
    assert bad_reason.status_code == 400
    assert client.post("/v1/suppressions", json={"address": "a@b.jp"},
                       headers=read_headers).status_code == 403

    page = client.get("/v1/suppressions?limit=1", headers=read_headers).json()
    assert [i["id"] for i in page["items"]] == [entry["id"]] and page["next_after_id"]
    rest = client.get(f"/v1/suppressions?after_id={page['next_after_id']}",
                      headers=read_headers).json()
    assert [i["channel"] for i in rest["items"]] == ["in_app"] and rest["next_after_id"] is None
    with transaction(runtime.sessions) as s:
        assert messaging.is_suppressed(s, workspace.id, channel="email",
                                       address="hana@example.com")

    assert client.delete(f"/v1/suppressions/{entry['id']}",
                         headers=admin_headers).status_code == 204
    assert client.delete(f"/v1/suppressions/{entry['id']}",
                         headers=admin_headers).status_code == 404
    with transaction(runtime.sessions) as s:
        assert not messaging.is_suppressed(s, workspace.id, channel="email",
                                           address="hana@example.com")


def test_email_events_suppress(client: TestClient, runtime: Runtime, workspace: Workspace,
                               admin_headers: dict[str, str],
                               read_headers: dict[str, str]) -> None:
    bounce = client.post("/v1/email-events", json={"type": "bounce", "email": "Gone@Shop.jp",
                                                   "at": "2026-12-01T10:00:00Z"},
                         headers=admin_headers)
    assert bounce.status_code == 201
    assert bounce.json()["suppression"]["reason"] == "hard_bounce"
    assert bounce.json()["suppression"]["address"] == "gone@shop.jp"
    complaint = client.post("/v1/email-events", json={"type": "complaint", "email": "a@b.jp"},
                            headers=admin_headers)
    assert complaint.json()["suppression"]["reason"] == "complaint"
    for body in ({"type": "open", "email": "a@b.jp"}, {"type": "bounce", "email": "nope"}):
        r = client.post("/v1/email-events", json=body, headers=admin_headers)
        assert r.status_code == 400
    assert client.post("/v1/email-events", json={"type": "bounce", "email": "a@b.jp"},
                       headers=read_headers).status_code == 403
    with transaction(runtime.sessions) as s:
        entries = messaging.list_suppressions(s, workspace.id, channel="email")
    assert {(e.address, e.reason) for e in entries} == {("gone@shop.jp", "hard_bounce"),
                                                        ("a@b.jp", "complaint")}


def test_openapi_tags(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert paths["/v1/jobs/{job_id}/retry"]["post"]["tags"] == ["jobs"]
    assert paths["/v1/send-policy"]["patch"]["tags"] == ["send-policy"]
    assert paths["/v1/suppressions/{suppression_id}"]["delete"]["tags"] == ["suppressions"]
    assert paths["/v1/inbox"]["get"]["tags"] == ["client"]
    assert paths["/v1/templates/test-send"]["post"]["tags"] == ["templates"]
