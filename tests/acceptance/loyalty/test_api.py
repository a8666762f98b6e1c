"""The loyalty admin API: keys, problems, idempotent redemption, report."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kizuna.types import CustomerId

PROBLEM = "application/problem+json"


def test_reading_needs_a_key_and_changes_need_an_admin_key(
    client: TestClient, read_headers: dict[str, str], member: CustomerId
) -> None:
    assert client.get("/v1/loyalty/programme").status_code == 401
    with_key = client.get("/v1/loyalty/programme", headers=read_headers).json()
    assert with_key["configured"] is True
    for method, path in (("PUT", "/v1/loyalty/programme"),
                         ("POST", f"/v1/loyalty/members/{member}"),
                         ("DELETE", f"/v1/loyalty/members/{member}"),
                         ("POST", "/v1/loyalty/run"), ("PUT", "/v1/loyalty/rewards/coffee")):
        denied = client.request(method, path, headers=read_headers, json={})
        assert denied.status_code == 403, (method, path)
        assert denied.headers["content-type"].startswith(PROBLEM)
    assert client.get("/v1/loyalty/programme", headers=read_headers).status_code == 200


def test_programme_members_entries_and_problems(
    client: TestClient, admin_headers: dict[str, str], member: CustomerId
) -> None:
    h = admin_headers
    programme = client.get("/v1/loyalty/programme", headers=h).json()
    assert programme["currency"] == "USD" and programme["tiers"]
    body = {k: programme[k] for k in ("name", "currency", "points_per_unit", "point_value",
                                      "enrolment", "active", "expiry_months", "bonus_rules",
                                      "tier_basis", "tier_window_days", "tiers")}
    body["points_per_unit"] = "2"
    saved = client.put("/v1/loyalty/programme", headers=h, json=body)
    assert saved.status_code == 200 and saved.json()["points_per_unit"] in ("2", "2.0000")
    bad = client.put("/v1/loyalty/programme", headers=h, json={**body, "points_per_unit": "-1"})
    assert bad.status_code in (400, 422) and bad.headers["content-type"].startswith(PROBLEM)
    assert bad.json()["code" if "code" in bad.json() else "type"].endswith(
        "loyalty-config-invalid")

    summary = client.get(f"/v1/loyalty/members/{member}", headers=h)
    assert summary.status_code == 200 and summary.json()["summary"]["balance"] == 500
    listing = client.get("/v1/loyalty/members", headers=h).json()
    assert listing["total"] == 1 and listing["items"][0]["customer_id"] == member
    entries = client.get(f"/v1/loyalty/members/{member}/entries", headers=h).json()
    assert entries["items"][0]["kind"] == "adjust"

    unknown = client.get("/v1/loyalty/members/999999", headers=h)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(PROBLEM)
    gone = client.delete(f"/v1/loyalty/members/{member}", headers=h)
    assert gone.status_code == 204
    not_member = client.get(f"/v1/loyalty/members/{member}", headers=h)
    assert not_member.status_code == 200
    assert not_member.json() == {"customer_id": member, "member": False, "summary": None}
    cannot = client.post(f"/v1/loyalty/members/{member}/redemptions",
                         headers={**h, "Idempotency-Key": "left-1"}, json={"reward": "coffee"})
    assert cannot.status_code == 404 and cannot.json()["type"].endswith("loyalty-not-a-member")
    back = client.post(f"/v1/loyalty/members/{member}", headers=h, json={"channel": "api"})
    assert back.status_code == 201 and back.json()["status"] == "active"


def test_redemption_is_idempotent_and_overspending_is_a_conflict(
    client: TestClient, admin_headers: dict[str, str], member: CustomerId
) -> None:
    h = admin_headers
    url = f"/v1/loyalty/members/{member}/redemptions"
    missing = client.post(url, headers=h, json={"reward": "coffee"})
    assert missing.status_code == 400 and missing.headers["content-type"].startswith(PROBLEM)
    first = client.post(url, headers={**h, "Idempotency-Key": "r-1"}, json={"reward": "coffee"})
    assert first.status_code == 201
    again = client.post(url, headers={**h, "Idempotency-Key": "r-1"}, json={"reward": "coffee"})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["coupon_code"] == first.json()["coupon_code"]
    assert first.json()["coupon_code"].startswith("CAFE-")
    balance = client.get(f"/v1/loyalty/members/{member}", headers=h).json()["summary"]["balance"]
    assert balance == 300
    poor = client.post(url, headers={**h, "Idempotency-Key": "r-2"}, json={"reward": "bag"})
    assert poor.status_code == 409
    assert poor.json()["type"].endswith("loyalty-insufficient-points")
    nothing = client.post(url, headers={**h, "Idempotency-Key": "r-3"}, json={"reward": "nope"})
    assert nothing.status_code == 404

    adjust = f"/v1/loyalty/members/{member}/adjustments"
    made = client.post(adjust, headers={**h, "Idempotency-Key": "a-1"},
                       json={"points": -50, "reason": "goodwill correction"})
    assert made.status_code == 201 and made.json()["points"] == -50
    client.post(adjust, headers={**h, "Idempotency-Key": "a-1"},
                json={"points": -50, "reason": "goodwill correction"})
    balance = client.get(f"/v1/loyalty/members/{member}", headers=h).json()["summary"]["balance"]
    assert balance == 250


def test_rewards_report_and_run(
    client: TestClient, admin_headers: dict[str, str], read_headers: dict[str, str],
    member: CustomerId,
) -> None:
    h = admin_headers
    put = client.put("/v1/loyalty/rewards/mug", headers=h, json={
        "name_ja": "マグカップ", "name_en": "Mug", "cost_points": 800, "coupon_prefix": "MUG",
        "stock": 3})
    assert put.status_code == 200 and put.json()["stock"] == 3
    assert client.get("/v1/loyalty/rewards/mug", headers=read_headers).json()["name_en"] == "Mug"
    assert client.get("/v1/loyalty/rewards/none", headers=read_headers).status_code == 404
    keys = {r["key"] for r in client.get("/v1/loyalty/rewards", headers=read_headers).json()}
    assert keys == {"coffee", "bag", "mug"}
    bad = client.put("/v1/loyalty/rewards/mug", headers=h, json={
        "name_ja": "x", "name_en": "x", "cost_points": 0, "coupon_prefix": "M"})
    assert bad.status_code == 400

    report = client.get("/v1/loyalty/report", headers=read_headers)
    assert report.status_code == 200
    data = report.json()
    assert {c["metric"] for c in data["comparisons"]} >= {"aov", "frequency", "retention", "clv"}
    assert all(c["enough"] is False for c in data["comparisons"])  # one member: not enough
    assert data["outstanding_points"] == 500 and data["active_members"] == 1
    run = client.post("/v1/loyalty/run", headers=h)
    assert run.status_code == 200 and "orders_earned" in run.json()


def test_without_a_programme_get_offers_the_defaults(
    client: TestClient, read_headers: dict[str, str]
) -> None:
    empty = client.get("/v1/loyalty/programme", headers=read_headers)
    assert empty.status_code == 200
    assert empty.json()["configured"] is False and empty.json()["tiers"]
    assert empty.json()["created_at"] is None
