"""The overview page (/app/overview) and the standalone HTML report, on a seeded shop."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.ingest import api as ingest
from kizuna.metrics import api as metrics
from kizuna.metrics.display import money
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.web import report_html
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of

TOKYO = ZoneInfo("Asia/Tokyo")
CATEGORIES = ("Jazz", "Rock", "Classical")
CHANNELS = ("web", "store")
CUSTOMERS = 150


@dataclass(frozen=True, slots=True)
class ShopOrder:
    customer: int
    placed_at: datetime
    total: int
    category: str


@dataclass(frozen=True, slots=True)
class Shop:
    today: date  # local (Tokyo) date the orders were dated from
    orders: tuple[ShopOrder, ...]

    def revenue(self, start: date, end: date) -> int:
        return sum(o.total for o in self.orders
                   if start <= o.placed_at.astimezone(TOKYO).date() <= end)


def seed_shop(runtime: Runtime, workspace: Workspace, *, seed: int = 7) -> Shop:
    """60 customers with 1–5 orders over the last year (at noon Tokyo time), browsing before
    each order, a newsletter and NPS/CSAT answers; deterministic for a given day."""
    rng = random.Random(seed)
    now = runtime.clock.now()
    today = now.astimezone(TOKYO).date()
    noon = datetime(today.year, today.month, today.day, 3, 0, tzinfo=UTC)  # 12:00 JST
    ws = workspace.id
    orders: list[ShopOrder] = []
    messages: list[dict[str, Any]] = []

    def msg(kind: str, user: str, at: datetime, **extra: Any) -> None:
        messages.append({"type": kind, "messageId": f"m{len(messages)}", "userId": user,
                         "timestamp": at.isoformat(), **extra})

    plans: list[list[tuple[int, int, str]]] = []
    for n in range(CUSTOMERS):
        first = rng.randint(3, 540)
        count = rng.choice((1, 1, 2, 2, 3, 4, 5))
        days = sorted({first, *(rng.randint(1, first) for _ in range(count - 1))}, reverse=True)
        plans.append([(d, rng.randrange(1000, 9000, 100), CATEGORIES[(n + i) % 3])
                      for i, d in enumerate(days)])
    with runtime.sessions() as s, s.begin():
        source = ingest.create_source(s, workspace_id=ws, name="shop",
                                      clock=runtime.clock).source
        ids = list(profiles.upsert_customers(s, ws, [
            CustomerUpsert(external_id=f"c-{n:03d}", email=f"c{n:03d}@example.org",
                           name=f"Customer {n:03d}", country="JP" if n % 3 else "US")
            for n in range(CUSTOMERS)], noon - timedelta(days=400)))
        commerce.upsert_products(s, ws, [
            ProductUpsert(external_id=c.lower(), name=c, category=c, price=Decimal(1000))
            for c in CATEGORIES], noon - timedelta(days=400))
        records = []
        for n, plan in enumerate(plans):
            user = f"c-{n:03d}"
            for i, (days_ago, total, category) in enumerate(plan):
                at = noon - timedelta(days=days_ago)
                orders.append(ShopOrder(n, at, total, category))
                amount = Decimal(total)
                records.append(OrderRecord(
                    external_id=f"o-{n}-{i}", customer_id=ids[n], placed_at=at, total=amount,
                    currency="JPY", channel=CHANNELS[(n + i) % 2],
                    lines=(OrderLine(product_external_id=category.lower(), quantity=Decimal(1),
                                     unit_price=amount, amount=amount),)))
                session = f"s-{n}-{i}"
                props = {"category": category, "product_id": category.lower(),
                         "session_id": session}
                msg("page", user, at - timedelta(minutes=30), name="Home",
                    properties={"path": "/", "session_id": session})
                msg("track", user, at - timedelta(minutes=20), event="Product Viewed",
                    properties=props)
                msg("track", user, at - timedelta(minutes=10), event="Product Added",
                    properties=props)
                msg("track", user, at - timedelta(minutes=5), event="Checkout Started",
                    properties={"session_id": session})
            msg("track", user, noon - timedelta(days=12), event="Email Delivered",
                properties={"campaign_id": "nl-1"})
            if n % 2 == 0:
                msg("track", user, noon - timedelta(days=11), event="Email Opened",
                    properties={"campaign_id": "nl-1"})
            if n % 3 == 0:
                msg("track", user, noon - timedelta(days=6), event="Survey Responded",
                    properties={"survey_type": "nps", "score": (10, 9, 7, 3, 10)[n % 5]})
                msg("track", user, noon - timedelta(days=6), event="Survey Responded",
                    properties={"survey_type": "csat", "score": (5, 4, 3)[n % 3]})
        commerce.record_orders(s, ws, records, noon)
        for start in range(0, len(messages), 500):
            ingest.ingest_messages(s, source=source, messages=messages[start:start + 500],
                                   received_at=now)
    return Shop(today=today, orders=tuple(orders))


@pytest.fixture
def shop(runtime: Runtime, workspace: Workspace) -> Shop:
    return seed_shop(runtime, workspace)


def _switch(client: TestClient, locale: str) -> None:
    token = csrf_of(client.get("/app/login").text)
    client.post("/app/locale", data={"locale": locale, "csrf_token": token})


def _sections(html: str) -> set[str]:
    return set(re.findall(r'id="section-([a-z_]+)"', html))


def test_overview_in_english_and_japanese(viewer_client: TestClient, shop: Shop) -> None:
    start, end = shop.today - timedelta(days=89), shop.today
    period = f"{start.isoformat()}..{end.isoformat()}"
    page = viewer_client.get("/app/overview", params={"period": period})
    assert page.status_code == 200, page.text
    html = page.text
    assert "<h1 id=\"overview-title\">Overview</h1>" in html
    for label in ("Revenue", "Orders", "Average order value (AOV)", "Active customers",
                  "New customers", "Repeat-purchase rate", "Sessions", "Email open rate",
                  "Churn rate", "NPS", "Mean customer lifetime value (CLV)"):
        assert f'<span class="kpi-label">{label}</span>' in html, label
    revenue = shop.revenue(start, end)
    assert revenue > 0
    assert f'<span class="kpi-value">{money(revenue, "JPY")}</span>' in html
    assert {"series", "retention", "funnel", "journey", "rfm", "involvement", "satisfaction",
            "clv", "clv_validation", "churn_model", "at_risk", "notes"} <= _sections(html)
    for heading in ("Cohort retention", "Purchase funnel", "Customer journey", "RFM analysis",
                    "High-value customers at risk"):
        assert heading in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart') >= 7
    assert html.count('<table class="sr-only">') >= 6  # every chart has its data table
    assert "Asia/Tokyo" in html and "JST" in html  # dates in the workspace zone, named
    assert 'aria-current="page">Overview</a>' in html
    assert re.search(r'href="/app/customers/\d+"', html)  # at-risk rows link to profiles

    _switch(viewer_client, "ja")
    ja = viewer_client.get("/app/overview", params={"period": period}).text
    assert '<html lang="ja">' in ja
    for label in ("売上", "注文数", "平均注文額 (AOV)", "アクティブ顧客", "新規顧客",
                  "リピート購入率", "セッション", "メール開封率", "離脱率 (チャーン)"):
        assert f'<span class="kpi-label">{label}</span>' in ja, label
    for heading in ("コホート別継続率", "購入ファネル", "カスタマージャーニー", "RFM分析",
                    "離反リスクの高い優良顧客", "顧客生涯価値 (CLV)"):
        assert heading in ja, heading
    assert f'<span class="kpi-value">{money(revenue, "JPY")}</span>' in ja


def test_filters_segment_and_breakdown(viewer_client: TestClient, shop: Shop) -> None:
    by = viewer_client.get("/app/overview", params={"period": "last-365d", "by": "category"})
    assert by.status_code == 200
    assert "Revenue by Category" in by.text
    for category in CATEGORIES:
        assert f"<td>{category}</td>" in by.text
    assert '<option value="category" selected>' in by.text
    seg = viewer_client.get("/app/overview", params={"period": "last-365d",
                                                     "segment": "stage:purchase"})
    assert seg.status_code == 200
    assert "Limited to: Purchase" in seg.text
    assert '<option value="stage:purchase" selected>' in seg.text
    custom = viewer_client.get("/app/overview", params={"period": "last-7d",
                                                        "custom": shop.today.strftime("%Y-%m")})
    assert custom.status_code == 200
    month_start = shop.today.replace(day=1)
    assert f"Period {month_start.isoformat()} –" in custom.text
    assert f'value="{shop.today.strftime("%Y-%m")}"' in custom.text


def test_bad_filters_give_400_pages(viewer_client: TestClient) -> None:
    bad = viewer_client.get("/app/overview", params={"period": "next-week"})
    assert bad.status_code == 400
    assert "Cannot read the period" in bad.text and "next-week" in bad.text
    seg = viewer_client.get("/app/overview", params={"segment": "Nobody"})
    assert seg.status_code == 400 and "Unknown segment" in seg.text
    by = viewer_client.get("/app/overview", params={"by": "planet"})
    assert by.status_code == 400 and "Unknown breakdown" in by.text


def test_home_redirects_and_login_is_required(client: TestClient,
                                              users: dict[str, str]) -> None:
    anonymous = client.get("/app/overview", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/app/login?next=%2Fapp%2Foverview"
    from tests.acceptance.web.conftest import login

    login(client, users["viewer"])
    home = client.get("/app/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/app/overview"
    empty = client.get("/app/overview")  # an empty shop: every section explains itself
    assert empty.status_code == 200
    assert "section-notes" in empty.text


def test_standalone_report_is_a_complete_document(
    runtime: Runtime, workspace: Workspace, shop: Shop
) -> None:
    now = runtime.clock.now()
    with metrics.snapshot_workspace(runtime.settings.database_url, workspace, as_of=now) as snap:
        period = metrics.parse_period("last-365d", today=shop.today)
        overview = metrics.build_overview(snap, period, breakdown="channel")
    for locale, title in (("ja", "kizuna レポート"), ("en", "kizuna report")):
        doc = report_html.render_report(overview, locale=locale)
        assert doc.startswith("<!doctype html>")
        assert f'<html lang="{locale}">' in doc and f"<title>{title}" in doc
        assert "<style>" in doc and ".chart {" in doc and "/* overview */" in doc
        assert "<script" not in doc and "<link" not in doc and 'href="/app' not in doc
        svgs = re.findall(r"<svg .*?</svg>", doc, re.S)
        assert len(svgs) >= 7
        for chart in svgs:
            ET.fromstring(chart)  # each chart is well-formed XML
        assert money(shop.revenue(period.start, period.end), "JPY") in doc
    assert "売上" in report_html.render_report(overview)
