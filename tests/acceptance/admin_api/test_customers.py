"""Search, pagination, profile and timeline of the admin API, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.acceptance.web.data import OTHER_CUSTOMERS, Seeded


def test_list_paginates_without_overlap(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    total = OTHER_CUSTOMERS + 2
    seen: list[int] = []
    page = 1
    while True:
        body = client.get(
            "/v1/customers", params={"page": page, "page_size": 25}, headers=read_headers
        ).json()
        assert body["total"] == total
        assert body["page"] == page and body["page_size"] == 25
        if not body["items"]:
            break
        seen += [item["id"] for item in body["items"]]
        page += 1
    assert page == 4  # 25 + 25 + 12, then an empty page
    assert len(seen) == len(set(seen)) == total


def test_list_is_newest_seen_first(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    items = client.get("/v1/customers", params={"page_size": 10}, headers=read_headers).json()
    stamps = [item["last_seen_at"] for item in items["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert items["items"][0]["id"] == seeded.hanako  # the latest activity


def test_search_matches_email_name_and_user_id(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    def ids(q: str) -> list[int]:
        body = client.get("/v1/customers", params={"q": q}, headers=read_headers).json()
        assert body["total"] == len(body["items"])
        return [item["id"] for item in body["items"]]

    assert ids("HANAKO@example") == [seeded.hanako]
    assert ids("山田") == [seeded.hanako]
    assert ids("u-hanako") == [seeded.hanako]
    assert len(ids("buyer00")) == 10
    assert ids("no-such-person") == []


def test_bad_query_parameters_are_400_problems(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    for params in ({"page": 0}, {"page_size": 0}, {"page_size": 201}, {"page": "x"}):
        response = client.get("/v1/customers", params=params, headers=read_headers)
        assert response.status_code == 400, params
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"].startswith("query.")


def test_profile_has_identifiers_traits_consent_and_orders(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    response = client.get(f"/v1/customers/{seeded.hanako}", headers=read_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == seeded.hanako
    assert body["identifiers"] == {
        "external_id": "u-hanako",
        "email": "hanako@example.jp",
        "phone": None,
        "anonymous_ids": [seeded.anonymous_id],
    }
    assert body["traits"]["plan"] == "gold"
    assert body["name"] == "山田 花子" and body["country"] == "JP"
    [consent] = body["consents"]
    assert (consent["channel"], consent["purpose"], consent["status"]) == (
        "email",
        "marketing",
        "granted",
    )
    assert body["orders"]["summary"]["orders"] == 1
    assert Decimal(body["orders"]["summary"]["revenue"]) == Decimal("6400")
    [order] = body["orders"]["recent"]
    assert order["external_id"] == "o-1001" and order["currency"] == "JPY"
    [line] = order["lines"]
    assert line["name"] == "抹茶セット"
    assert Decimal(line["quantity"]) == 2 and Decimal(line["amount"]) == Decimal("6400")
    assert body["timeline_url"] == f"/v1/customers/{seeded.hanako}/events"


def test_unknown_customer_is_404_problem(client: TestClient, read_headers: dict[str, str]) -> None:
    for path in ("/v1/customers/987654", "/v1/customers/987654/events"):
        response = client.get(path, headers=read_headers)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["customer_id"] == 987654


def test_timeline_includes_pre_identify_events_and_the_merge(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    body = client.get(
        f"/v1/customers/{seeded.hanako}/events", params={"limit": 200}, headers=read_headers
    ).json()
    assert body["next_cursor"] is None
    events = [e for e in body["entries"] if e["kind"] == "event"]
    merges = [e for e in body["entries"] if e["kind"] == "merge"]
    assert len(events) == seeded.events_total
    anonymous = [e for e in events if e["user_id"] is None]
    assert {e["anonymous_id"] for e in anonymous} == {seeded.anonymous_id}
    assert any(e["event"] == "Product Viewed" for e in anonymous)
    assert len(merges) == 1 and merges[0]["merged_customer_id"] not in (None, seeded.hanako)
    stamps = [e["at"] for e in body["entries"]]
    assert stamps == sorted(stamps, reverse=True)


def test_timeline_cursor_walks_every_entry_once(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    url = f"/v1/customers/{seeded.hanako}/events"
    everything = client.get(url, params={"limit": 200}, headers=read_headers).json()["entries"]
    walked: list[dict[str, object]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 7}
        if cursor:
            params["cursor"] = cursor
        body = client.get(url, params=params, headers=read_headers).json()
        walked += body["entries"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == -(-seeded.events_total // 7)
    assert [(e["kind"], e["id"]) for e in walked] == [(e["kind"], e["id"]) for e in everything]


def test_bad_cursor_is_400_problem(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    response = client.get(
        f"/v1/customers/{seeded.hanako}/events",
        params={"cursor": "not-a-cursor"},
        headers=read_headers,
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_merged_away_id_answers_with_the_survivor(
    client: TestClient, seeded: Seeded, read_headers: dict[str, str]
) -> None:
    entries = client.get(
        f"/v1/customers/{seeded.hanako}/events", params={"limit": 200}, headers=read_headers
    ).json()["entries"]
    [merge] = [e for e in entries if e["kind"] == "merge"]
    body = client.get(f"/v1/customers/{merge['merged_customer_id']}", headers=read_headers)
    assert body.status_code == 200 and body.json()["id"] == seeded.hanako
