"""/v1/metrics on real SQLite and PostgreSQL: the overview, one section, bad input, auth."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.shop import ShopOrder

TOKYO = ZoneInfo("Asia/Tokyo")


def _revenue(orders: list[ShopOrder], start: date, end: date) -> Decimal:
    return sum((o.total for o in orders if start <= o.placed_at.astimezone(TOKYO).date() <= end),
               Decimal(0))


def test_overview_has_every_section_and_hand_checked_revenue(
    client: TestClient, shop: list[ShopOrder], read_headers: dict[str, str]
) -> None:
    response = client.get("/v1/metrics/overview", params={"period": "last-90d"},
                          headers=read_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    today = datetime.now(UTC).astimezone(TOKYO).date()
    start = today - timedelta(days=89)
    assert body["period_start"] == start.isoformat() and body["period_end"] == today.isoformat()
    revenue = body["commerce"]["revenue"]
    assert revenue["value"] == pytest.approx(float(_revenue(shop, start, today)))
    previous = _revenue(shop, start - timedelta(days=90), start - timedelta(days=1))
    assert revenue["previous"] == pytest.approx(float(previous))
    assert body["commerce"]["orders"]["value"] == sum(
        1 for o in shop if start <= o.placed_at.astimezone(TOKYO).date() <= today)
    for section in ("engagement", "retention", "funnel", "journey", "rfm", "involvement",
                    "satisfaction", "series", "churn_rate"):
        assert body[section] is not None, (section, body["notes"])
    assert sum(s["customers"] for s in body["rfm"]["segments"]) == 80
    assert "customers" not in body["rfm"]  # per-customer maps stay out of reports
    assert body["satisfaction"]["kinds"]["nps"]["n"] == 20
    # Whatever could not be computed on 80 customers says why, with a code.
    for note in body["notes"]:
        assert note["code"] and note["message"]


def test_one_section_and_breakdown(
    client: TestClient, shop: list[ShopOrder], read_headers: dict[str, str]
) -> None:
    body = client.get("/v1/metrics/commerce", params={"period": "last-365d", "by": "category"},
                      headers=read_headers).json()
    assert body["commerce"]["breakdown"]["dimension"] == "category"
    assert {r["value"] for r in body["commerce"]["breakdown"]["rows"]} <= {
        "Jazz", "Rock", "Classical", "J-Pop"}
    assert body["rfm"] is None and body["funnel"] is None


@pytest.mark.parametrize(
    ("params", "code"),
    [({"period": "yesterday"}, "metrics-period-invalid"),
     ({"by": "colour"}, "metrics-dimension-invalid"),
     ({"segment": "Friends"}, "metrics-dimension-invalid")],
)
def test_bad_parameters_are_problems(
    client: TestClient, shop: list[ShopOrder], read_headers: dict[str, str],
    params: dict[str, str], code: str,
) -> None:
    response = client.get("/v1/metrics/overview", params=params, headers=read_headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(code)


def test_metrics_need_a_key(client: TestClient) -> None:
    assert client.get("/v1/metrics/overview").status_code == 401
    assert client.get("/v1/metrics/rfm").status_code == 401


def test_an_empty_store_gives_notes_not_errors(
    client: TestClient, read_headers: dict[str, str]
) -> None:
    body = client.get("/v1/metrics/overview", headers=read_headers).json()
    assert body["commerce"]["revenue"]["value"] == 0
    assert body["commerce"]["aov"]["value"] is None and body["commerce"]["aov"]["note"]
    sections = {n["section"] for n in body["notes"]}
    assert {"rfm", "clv"} <= sections


def test_segment_breakdown_splits_commerce_funnel_and_satisfaction(
    client: TestClient, shop: list[ShopOrder], read_headers: dict[str, str]
) -> None:
    body = client.get("/v1/metrics/overview", params={"period": "last-365d", "by": "segment"},
                      headers=read_headers).json()
    rows = body["commerce"]["breakdown"]["rows"]
    segments = {s["segment"] for s in body["rfm"]["segments"] if s["customers"]}
    assert {r["value"] for r in rows} <= segments | {"unassigned"}
    assert sum(r["orders"]["value"] for r in rows) == body["commerce"]["orders"]["value"]
    assert body["funnel"]["segments"], "one funnel per segment"
    assert body["satisfaction"]["kinds"]["nps"]["segments"] is not None
