"""The surveys REST API: admin routes (admin / read keys) and the client API (write key)."""

from __future__ import annotations

import base64
import csv
import io

from fastapi.testclient import TestClient

from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.surveys.conftest import ENPS_DOC, NPS_DOC, create_customer, doc

PROBLEM = "application/problem+json"


def _basic(write_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()}


def test_admin_lifecycle_invite_results_export_import(
    client: TestClient,
    runtime: Runtime,
    workspace: Workspace,
    admin_headers: dict[str, str],
    read_headers: dict[str, str],
    write_key: str,
) -> None:
    # Only an admin key creates; bad definitions name the field.
    assert client.post("/v1/surveys", json=NPS_DOC, headers=read_headers).status_code == 403
    assert client.post("/v1/surveys", json=NPS_DOC).status_code == 401
    bad = client.post("/v1/surveys", json=doc(NPS_DOC, rules=[{"after": "comment",
                                                                "goto": "score"}]),
                      headers=admin_headers)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith(PROBLEM)
    body = bad.json()
    assert body["type"].endswith("/survey-definition-invalid")
    assert body["errors"][0]["path"] == "rules[0].goto"
    not_json = client.post("/v1/surveys", content=b"[1, 2", headers={
        **admin_headers, "content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.headers["content-type"].startswith(PROBLEM)

    created = client.post("/v1/surveys", json=NPS_DOC, headers=admin_headers)
    assert created.status_code == 201, created.text
    survey = created.json()
    assert survey["status"] == "draft" and survey["public_path"] == "/p/s/nps-2026"
    assert survey["definition"]["questions"][0]["id"] == "score"
    taken = client.post("/v1/surveys", json=NPS_DOC, headers=admin_headers)
    assert taken.status_code == 409 and taken.json()["type"].endswith("/survey-key-taken")

    status = client.post("/v1/surveys/nps-2026/status", json={"status": "active"},
                         headers=admin_headers)
    assert status.status_code == 200 and status.json()["status"] == "active"
    wrong = client.post("/v1/surveys/nps-2026/status", json={"status": "open"},
                        headers=admin_headers)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "status"

    updated = client.put("/v1/surveys/nps-2026",
                         json=doc(NPS_DOC, title={"ja": "満足度調査 v2", "en": "Survey v2"}),
                         headers=admin_headers)
    assert updated.status_code == 200 and updated.json()["version"] == 2

    customer = create_customer(runtime, workspace)
    invitation = client.post("/v1/surveys/nps-2026/invitations",
                             json={"customer_id": customer, "valid_days": 7},
                             headers=admin_headers)
    assert invitation.status_code == 201, invitation.text
    link = invitation.json()
    assert link["path"] == f"/p/s/nps-2026?t={link['token']}"
    assert link["url"].endswith(link["path"]) and link["url"].startswith("http")

    # Answers from the app (client API, write key) count in the results.
    for i, score in enumerate([10, 9, 9, 7, 3, 0]):
        answers = {"score": score, "comment": "=HYPERLINK(\"x\")" if i == 0 else "ok"}
        if score < 9:
            answers["reason"] = "price"
        sent = client.post("/v1/surveys/nps-2026/responses", headers=_basic(write_key),
                           json={"userId": f"app-user-{i}", "answers": answers,
                                 "hidden": {"category": "tea"}, "locale": "en"})
        assert sent.status_code == 201, sent.text
        assert sent.json()["complete"] is True and sent.json()["score"] == score

    listed = client.get("/v1/surveys", headers=read_headers).json()["items"]
    assert [(s["key"], s["responses"]) for s in listed] == [("nps-2026", 6)]
    assert client.get("/v1/surveys/nps-2026", headers=read_headers).json()["version"] == 2
    assert client.get("/v1/surveys/missing", headers=read_headers).status_code == 404

    results = client.get("/v1/surveys/nps-2026/results", headers=read_headers)
    assert results.status_code == 200, results.text
    res = results.json()
    assert res["responses"] == 6 and res["score"]["n"] == 6
    assert abs(res["score"]["value"] - 100 * (3 - 2) / 6) < 0.01  # 3 promoters, 2 detractors
    assert res["score"]["ci_low"] < res["score"]["value"] < res["score"]["ci_high"]

    by_category = client.get("/v1/surveys/nps-2026/results?by=category",
                             headers=read_headers).json()["breakdown"]
    assert [(g["group"], g["n"]) for g in by_category["groups"]] == [("tea", 6)]
    by_segment = client.get("/v1/surveys/nps-2026/results?by=stage", headers=read_headers)
    assert by_segment.status_code == 200, by_segment.text
    assert by_segment.json()["breakdown"]["by"] == "stage"
    backwards = client.get("/v1/surveys/nps-2026/results?start=2026-05-02&end=2026-05-01",
                           headers=read_headers)
    assert backwards.status_code == 400 and backwards.json()["errors"][0]["field"] == "start"

    page = client.get("/v1/surveys/nps-2026/responses", headers=read_headers).json()
    assert len(page["items"]) == 6 and page["items"][0]["answers"]["score"] in range(11)

    export = client.get("/v1/surveys/nps-2026/export?lang=en", headers=read_headers)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert len(rows) == 7
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)

    ids_export = client.get("/v1/surveys/nps-2026/export?headers=ids", headers=read_headers)
    assert ids_export.text.splitlines()[0].split(",")[:1] == ["response_id"]

    past = ("response_id,date,user_id,score,comment\r\n"
            "old-1,2025-06-01,legacy-1,8,good\r\n"
            "old-2,2025-06-02,legacy-2,eleven,bad score\r\n")
    report = client.post("/v1/surveys/nps-2026/import", content=past.encode(),
                         headers={**admin_headers, "content-type": "text/csv"}).json()
    assert report["imported"] == 1 and [r["line"] for r in report["rejected"]] == [3]
    again = client.post("/v1/surveys/nps-2026/import", content=past.encode(),
                        headers={**admin_headers, "content-type": "text/csv"}).json()
    assert again["imported"] == 0 and again["skipped_duplicates"] == 1
    latin1 = client.post("/v1/surveys/nps-2026/import", content="score\r\n\xe9\r\n".encode(
        "latin-1"), headers={**admin_headers, "content-type": "text/csv"})
    assert latin1.status_code == 400 and "UTF-8" in latin1.json()["detail"]

    # The write key is no admin key, and the read key cannot write.
    assert client.get("/v1/surveys", headers=_basic(write_key)).status_code == 401
    assert client.post("/v1/surveys/nps-2026/status", json={"status": "closed"},
                       headers=read_headers).status_code == 403


def test_client_api_eligible_recontact_and_invalid_answers(
    client: TestClient, runtime: Runtime, workspace: Workspace, admin_headers: dict[str, str],
    write_key: str,
) -> None:
    headers = _basic(write_key)
    assert client.get("/v1/surveys/eligible?userId=app-1").status_code == 401
    assert client.get("/v1/surveys/eligible?userId=app-1",
                      headers=_basic("wk_wrong")).status_code == 401
    assert client.get("/v1/surveys/eligible?userId=app-1", headers=headers).status_code == 204

    client.post("/v1/surveys?status=active", json=doc(NPS_DOC, recontact_days=30),
                headers=admin_headers)
    missing = client.get("/v1/surveys/eligible", headers=headers)
    assert missing.status_code == 400 and missing.headers["content-type"].startswith(PROBLEM)

    shown = client.get("/v1/surveys/eligible?userId=app-1&locale=en", headers=headers)
    assert shown.status_code == 200, shown.text
    survey = shown.json()
    assert survey["key"] == "nps-2026" and survey["locale"] == "en"
    assert survey["questions"][0] == {
        "id": "score", "type": "nps", "required": True, "help": None, "options": [],
        "prompt": "How likely are you to recommend us to a friend or colleague?",
        "scale": [0, 10], "min_label": None, "max_label": None, "max_length": None}
    assert survey["rules"][0]["goto"] == "comment"
    assert survey["url"].endswith("/p/s/nps-2026?lang=en")
    # Shown once: not again within recontact_days.
    assert client.get("/v1/surveys/eligible?userId=app-1", headers=headers).status_code == 204
    other = client.get("/v1/surveys/eligible?anonymousId=anon-9", headers=headers)
    assert other.status_code == 200 and other.json()["locale"] == "ja"

    invalid = client.post("/v1/surveys/nps-2026/responses", headers=headers,
                          json={"userId": "app-1", "answers": {"score": 11, "reason": "nope"}})
    assert invalid.status_code == 400 and invalid.headers["content-type"].startswith(PROBLEM)
    problem = invalid.json()
    assert problem["type"].endswith("/survey-answer-invalid")
    assert {e["question"] for e in problem["errors"]} >= {"score"}
    too_long = client.post("/v1/surveys/nps-2026/responses", headers=headers,
                           json={"userId": "app-1", "answers": {"score": 10,
                                                                "comment": "x" * 501}})
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["question"] == "comment"
    unknown = client.post("/v1/surveys/nope/responses", headers=headers,
                          json={"userId": "app-1", "answers": {"score": 1}})
    assert unknown.status_code == 404
    ok = client.post("/v1/surveys/nps-2026/responses", headers=headers,
                     json={"userId": "app-1", "answers": {"score": 10, "comment": "<b>hi</b>"}})
    assert ok.status_code == 201
    assert ok.json()["complete"] is True


def test_anonymous_survey_over_the_client_api_keeps_no_identity(
    client: TestClient, runtime: Runtime, workspace: Workspace, admin_headers: dict[str, str],
    read_headers: dict[str, str], write_key: str,
) -> None:
    client.post("/v1/surveys?status=active", json=ENPS_DOC, headers=admin_headers)
    sent = client.post("/v1/surveys/enps-q1/responses", headers=_basic(write_key),
                       json={"userId": "emp-7", "answers": {"enps": 8}})
    assert sent.status_code == 201, sent.text
    [item] = client.get("/v1/surveys/enps-q1/responses", headers=read_headers).json()["items"]
    assert item["customer_id"] is None and item["completed_at"] is None
    export = client.get("/v1/surveys/enps-q1/export", headers=read_headers).text
    assert "emp-7" not in export
