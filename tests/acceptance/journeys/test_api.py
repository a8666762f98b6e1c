"""The journeys admin API over HTTP: auth, templates, validation errors naming the path,
versions, status changes, runs and results."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

DEF: dict[str, Any] = {
    "trigger": {"type": "event", "event": "Signed Up"},
    "steps": [{"id": "hello", "type": "send",
               "template": {"en": {"subject": "Hi", "text": "Hello"}}}],
}


def test_journey_lifecycle_over_http(client: TestClient, read_headers: dict[str, str],
                                     admin_headers: dict[str, str]) -> None:
    assert client.get("/v1/journeys").status_code == 401
    body = {"key": "hello", "name": "Hello", "definition": DEF}
    assert client.post("/v1/journeys", json=body, headers=read_headers).status_code == 403
    r = client.post("/v1/journeys", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "draft" and out["current_version"] == 1
    assert out["trigger"] == "when Signed Up happens"
    assert out["steps"][0]["text"].startswith("send email")
    assert client.post("/v1/journeys", json=body, headers=admin_headers).status_code == 409

    bad = {**DEF, "steps": [{"id": "w", "type": "wait", "duration": "soon"}]}
    r = client.put("/v1/journeys/hello", json={"definition": bad}, headers=admin_headers)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("/journey-definition-invalid")
    assert r.json()["path"] == "steps[0].duration"

    r = client.post("/v1/journeys/validate", json={"definition": DEF}, headers=read_headers)
    assert r.status_code == 200 and r.json()["definition"]["holdout_pct"] == 10.0

    edited = {**DEF, "holdout_pct": 20}
    r = client.put("/v1/journeys/hello", json={"definition": edited}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["current_version"] == 2
    versions = client.get("/v1/journeys/hello/versions", headers=read_headers).json()
    assert [v["version"] for v in versions] == [2, 1]

    for status, code in (("live", 200), ("paused", 200), ("draft", 409), ("live", 200),
                         ("archived", 200), ("live", 409)):
        r = client.post("/v1/journeys/hello/status", json={"status": status},
                        headers=admin_headers)
        assert r.status_code == code, (status, r.text)
    r = client.get("/v1/journeys/hello/runs", headers=read_headers)
    assert r.status_code == 200 and r.json()["runs"] == []
    r = client.get("/v1/journeys/hello/results", headers=read_headers)
    assert r.status_code == 200 and r.json()["entries"] == 0
    assert r.json()["enough_data"] is False
    assert client.get("/v1/journeys/nope", headers=read_headers).status_code == 404


def test_create_from_every_template(client: TestClient, read_headers: dict[str, str],
                                    admin_headers: dict[str, str]) -> None:
    names = [t["name"] for t in client.get("/v1/journeys/templates",
                                           headers=read_headers).json()]
    assert set(names) >= {"abandoned_cart", "welcome", "post_purchase", "birthday", "win_back",
                          "detractor_follow_up"}
    for name in names:
        r = client.post("/v1/journeys", json={"template": name, "locale": "ja"},
                        headers=admin_headers)
        assert r.status_code == 201, r.text
    listed = {j["key"]: j for j in client.get("/v1/journeys", headers=read_headers).json()}
    assert listed["birthday"]["name"] == "誕生日クーポン"
    assert listed["win-back"]["definition"]["trigger"] == {"type": "segment_entered",
                                                           "segment": "at-risk"}
    seg = client.get("/v1/segments/at-risk", headers=read_headers)
    assert seg.status_code == 200  # the win-back template created its segment
    r = client.post("/v1/journeys", json={"template": "nope"}, headers=admin_headers)
    assert r.status_code == 400 and r.json()["type"].endswith("/journey-template-unknown")
