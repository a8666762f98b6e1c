"""The reviews HTTP API: client submission with a write key, admin API with API keys."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.reviews.shop import Shop

PROBLEM = "application/problem+json"


def _submit(client: TestClient, auth: dict[str, str], **body: Any) -> Any:
    return client.post("/v1/reviews", json=body, headers=auth)


def test_submit_moderate_and_publish(
    client: TestClient, shop: Shop, client_auth: dict[str, str], read_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    created = _submit(client, client_auth, userId="u-aiko", product_id="p-tea", rating=5,
                      title="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>",
                      photos=["https://img.example/tea.jpg"], locale="ja")
    assert created.status_code == 201, created.text
    review = created.json()
    assert review["status"] == "pending" and review["verified_purchase"] is True
    assert review["title"] == "<script>alert(1)</script>"  # stored as typed, escaped on output
    assert created.headers["access-control-allow-origin"] == "*"
    ken = _submit(client, client_auth, anonymousId="anon-ken", product_id="p-tea", rating="2")
    assert ken.status_code == 201 and ken.json()["verified_purchase"] is False

    queue = client.get("/v1/reviews", params={"status": "pending", "order": "oldest"},
                       headers=read_headers).json()
    assert [r["id"] for r in queue["items"]] == [review["id"], ken.json()["id"]]
    assert client.get("/v1/reviews", params={"verified": "true"},
                      headers=read_headers).json()["total"] == 1
    assert client.get("/v1/products/p-tea/reviews", headers=read_headers).json()["total"] == 0

    moderation = f"/v1/reviews/{review['id']}/moderation"
    assert client.post(moderation, json={"decision": "approve"},
                       headers=read_headers).status_code == 403  # admin key needed
    approved = client.post(moderation, json={"decision": "approve"}, headers=admin_headers)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    rejected = client.post(f"/v1/reviews/{ken.json()['id']}/moderation",
                           json={"decision": "reject", "reason": "spam"}, headers=admin_headers)
    assert rejected.json()["reject_reason"] == "spam"
    bad_reason = client.post(moderation, json={"decision": "reject", "reason": "boring"},
                             headers=admin_headers)
    assert bad_reason.status_code == 400 and bad_reason.json()["field"] == "reason"
    missing = client.post("/v1/reviews/999999/moderation", json={"decision": "approve"},
                          headers=admin_headers)
    assert missing.status_code == 404 and missing.json()["type"].endswith("/review-not-found")

    public = client.get("/v1/products/p-tea/reviews", headers=read_headers).json()
    assert [r["id"] for r in public["items"]] == [review["id"]]
    assert "moderation_note" not in public["items"][0]
    rating = client.get("/v1/products/p-tea/rating", headers=read_headers).json()
    assert rating["n"] == 1 and rating["average"] == 5.0 and rating["ci_low"] is None
    assert rating["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}
    assert rating["verified_share"] == 1.0

    # a second submission edits the first and sends it back to the queue
    edited = _submit(client, client_auth, userId="u-aiko", product_id="p-tea", rating=4)
    assert edited.json()["id"] == review["id"] and edited.json()["version"] == 2
    assert edited.json()["status"] == "pending"
    assert client.get("/v1/products/p-tea/rating", headers=read_headers).json()["n"] == 0


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"rating": 0}, "rating"),
    ({"rating": 6}, "rating"),
    ({"rating": 2.5}, "rating"),
    ({"rating": True}, "rating"),
    ({"title": "x" * 151}, "title"),
    ({"body": "あ" * 5001}, "body"),
    ({"body": "nul\u0000byte"}, "body"),
    ({"photos": ["javascript:alert(1)"]}, "photos.0"),
    ({"photos": ["http://img.example/a.jpg"]}, "photos.0"),
    ({"photos": [f"https://img.example/{i}.jpg" for i in range(6)]}, "photos"),
    ({"photos": ["https://img.example/" + "a" * 2000]}, "photos.0"),
    ({"product_id": ""}, "product_id"),
    ({"locale": "<b>"}, "locale"),
    ({"userId": "u-nobody"}, "userId"),
    ({"userId": None}, "userId"),
]


def test_bad_input_is_a_problem_naming_the_field(
    client: TestClient, shop: Shop, client_auth: dict[str, str], read_headers: dict[str, str],
) -> None:
    for body, field in BAD_INPUT:
        document = {"userId": "u-aiko", "product_id": "p-tea", "rating": 4, **body}
        response = client.post("/v1/reviews", json=document, headers=client_auth)
        assert response.status_code in (400, 404), (body, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["field"] == field, (body, response.json())
    # nothing was stored
    assert client.get("/v1/reviews", headers=read_headers).json()["total"] == 0

    body = {"userId": "u-aiko", "product_id": "p-tea", "rating": 4}
    assert client.post("/v1/reviews", json=body).status_code == 401
    wrong = {"Authorization": "Basic d2tfbm9wZTo="}  # wk_nope:
    assert client.post("/v1/reviews", json=body, headers=wrong).status_code == 401
    huge = client.post("/v1/reviews", content=b"{" + b" " * 70_000 + b"}",
                       headers={**client_auth, "Content-Type": "application/json"})
    assert huge.status_code == 413
    broken = client.post("/v1/reviews", content=b"{nope",
                         headers={**client_auth, "Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.headers["content-type"].startswith(PROBLEM)
    assert client.options("/v1/reviews").status_code == 204
    for path in ("/v1/reviews", "/v1/products/p-tea/reviews", "/v1/products/p-tea/rating"):
        assert client.get(path).status_code == 401
