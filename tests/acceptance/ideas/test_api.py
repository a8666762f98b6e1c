"""The ideas API over HTTP: client endpoints (write key) and admin endpoints (API keys)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.acceptance.ideas.conftest import XSS

PROBLEM = "application/problem+json"


def _submit(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    payload = {"userId": "u-aiko", "title": "Matcha refills", "body": "Less plastic"} | fields
    response = client.post("/v1/ideas", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_submit_vote_comment_and_read(
    client: TestClient, client_headers: dict[str, str], read_headers: dict[str, str]
) -> None:
    idea = _submit(client, client_headers, title=XSS, category="packaging")
    assert idea["title"] == XSS and idea["status"] == "new"  # stored as typed
    url = f"/v1/ideas/{idea['id']}"
    first = client.post(f"{url}/votes", json={"userId": "u-ken"}, headers=client_headers)
    second = client.post(f"{url}/votes", json={"userId": "u-ken"}, headers=client_headers)
    assert first.json()["counted"] is True and second.json()["counted"] is False
    assert second.json()["idea"]["vote_count"] == 1
    anon = client.post(f"{url}/votes", json={"anonymousId": "a-1"}, headers=client_headers)
    assert anon.json()["idea"]["vote_count"] == 2
    gone = client.request("DELETE", f"{url}/votes", json={"anonymousId": "a-1"},
                          headers=client_headers)
    assert gone.status_code == 200 and gone.json()["idea"]["vote_count"] == 1
    comment = client.post(f"{url}/comments", json={"userId": "u-ken", "body": XSS},
                          headers=client_headers)
    assert comment.status_code == 201 and comment.json()["official"] is False
    detail = client.get(url, headers=read_headers).json()
    assert detail["idea"]["vote_count"] == 1 and detail["comments"][0]["body"] == XSS
    assert [h["to_status"] for h in detail["history"]] == ["new"]
    listed = client.get("/v1/ideas?sort=new", headers=read_headers).json()
    assert listed["total"] == 1 and listed["counts"]["new"] == 1


def test_admin_moves_merges_and_answers(
    client: TestClient, client_headers: dict[str, str], admin_headers: dict[str, str],
    read_headers: dict[str, str],
) -> None:
    target = _submit(client, client_headers)
    dup = _submit(client, client_headers, userId="u-ken", title="Refills")
    for person in ("u-1", "u-2"):
        client.post(f"/v1/ideas/{target['id']}/votes", json={"userId": person},
                    headers=client_headers)
    for person in ("u-2", "u-3"):
        client.post(f"/v1/ideas/{dup['id']}/votes", json={"userId": person},
                    headers=client_headers)
    bad = client.post(f"/v1/ideas/{target['id']}/status", json={"status": "shipped"},
                      headers=admin_headers)
    assert bad.status_code == 409 and bad.headers["content-type"].startswith(PROBLEM)
    assert bad.json()["type"].endswith("/idea-transition-invalid")
    assert bad.json()["allowed"] == ["declined", "under_review"]
    ok = client.post(f"/v1/ideas/{target['id']}/status",
                     json={"status": "under_review", "note": "looking"}, headers=admin_headers)
    assert ok.status_code == 200 and ok.json()["status"] == "under_review"
    merged = client.post(f"/v1/ideas/{dup['id']}/merge", json={"into": target["id"]},
                         headers=admin_headers)
    assert merged.status_code == 200 and merged.json()["vote_count"] == 3
    official = client.post(f"/v1/ideas/{target['id']}/official-comments",
                           json={"body": "Coming in spring", "author": "Kim"},
                           headers=admin_headers)
    assert official.status_code == 201 and official.json()["official"] is True
    notes = client.get(f"/v1/ideas/{target['id']}/notifications?pending=true",
                       headers=read_headers).json()["items"]
    assert len(notes) == 3 and {n["status"] for n in notes} == {"under_review"}
    # read keys may not act
    forbidden = client.post(f"/v1/ideas/{target['id']}/status", json={"status": "planned"},
                            headers=read_headers)
    assert forbidden.status_code == 403


@pytest.mark.parametrize(("payload", "field"), [
    ({"userId": "u", "title": "t" * 151}, "title"),
    ({"userId": "u", "title": "ok", "body": "a\u0000b"}, "body"),
    ({"userId": "u", "title": "  "}, "title"),
])
def test_bad_ideas_are_problems(
    client: TestClient, client_headers: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/ideas", json=payload, headers=client_headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"].endswith("/idea-invalid") and body["field"] == field


def test_malformed_requests_are_problems(
    client: TestClient, client_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    nobody = client.post("/v1/ideas", json={"title": "x"}, headers=client_headers)
    assert nobody.status_code == 400 and nobody.headers["content-type"].startswith(PROBLEM)
    not_json = client.post("/v1/ideas", content=b"{", headers={
        **client_headers, "content-type": "application/json"})
    assert not_json.status_code == 400
    missing = client.post("/v1/ideas/999/votes", json={"userId": "u"}, headers=client_headers)
    assert missing.status_code == 404 and missing.json()["type"].endswith("/idea-not-found")
    no_key = client.post("/v1/ideas", json={"userId": "u", "title": "x"})
    assert no_key.status_code == 401 and no_key.headers["content-type"].startswith(PROBLEM)
    wrong = client.post("/v1/ideas", json={"userId": "u", "title": "x"},
                        headers={"Authorization": "Basic d3Jvbmc6"})
    assert wrong.status_code == 401
    status = client.post("/v1/ideas/1/status", json={"status": "done"}, headers=admin_headers)
    assert status.status_code == 400 and status.json()["field"] == "status"
    absent = client.post("/v1/ideas/1/status", json={"status": "planned"}, headers=admin_headers)
    assert absent.status_code == 404


def test_member_link(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/v1/ideas/member-links", json={"userId": "u-aiko"},
                           headers=admin_headers)
    assert response.status_code == 201
    assert "/p/ideas?m=im_" in response.json()["url"]
    both = client.post("/v1/ideas/member-links", json={"userId": "u", "customerId": 1},
                       headers=admin_headers)
    assert both.status_code == 400
