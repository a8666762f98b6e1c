"""A deterministic small shop written through the real facades (orders, page views, product
events, email, surveys), dated relative to ``now`` so "the last 30 days" has data.

``write_shop`` returns the orders it wrote, so tests can compute figures by hand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

CATEGORIES = ("Jazz", "Rock", "Classical", "J-Pop")


@dataclass(frozen=True, slots=True)
class ShopOrder:
    user: str
    placed_at: datetime
    total: Decimal
    category: str


def write_shop(
    runtime: Runtime, workspace: Workspace, write_key: str, *, now: datetime,
    customers: int = 80, seed: int = 3,
) -> list[ShopOrder]:
    rng = random.Random(seed)
    users = [f"shop-{i:03d}" for i in range(customers)]
    orders: list[ShopOrder] = []
    messages: list[dict[str, Any]] = []

    def track(user: str, event: str, at: datetime, **props: Any) -> None:
        messages.append({"type": "track", "messageId": f"m{len(messages)}", "userId": user,
                         "event": event, "timestamp": at.isoformat(), "properties": props})

    for n, user in enumerate(users):
        first = now - timedelta(days=rng.uniform(40, 400))
        count = rng.choice((1, 1, 1, 2, 2, 3, 4, 5))
        span = (now - first).total_seconds()
        times = sorted(first + timedelta(seconds=rng.uniform(0, span)) for _ in range(count - 1))
        for i, at in enumerate([first, *times]):
            cat = CATEGORIES[(n + i) % len(CATEGORIES)]
            total = Decimal(rng.randrange(800, 6000)) / 100
            orders.append(ShopOrder(user, at, total, cat))
            session = f"s-{n}-{i}"
            messages.append({"type": "page", "messageId": f"m{len(messages)}", "userId": user,
                             "name": "Home", "timestamp": (at - timedelta(minutes=20)).isoformat(),
                             "properties": {"path": "/", "session_id": session}})
            track(user, "Product Viewed", at - timedelta(minutes=15), category=cat,
                  product_id=cat.lower(), session_id=session)
            track(user, "Product Added", at - timedelta(minutes=10), category=cat,
                  product_id=cat.lower(), session_id=session)
            track(user, "Checkout Started", at - timedelta(minutes=5), session_id=session)
        track(user, "Email Delivered", now - timedelta(days=10), campaign_id="nl-1")
        if n % 3 == 0:
            track(user, "Email Opened", now - timedelta(days=9), campaign_id="nl-1")
        if n % 4 == 0:
            track(user, "Survey Responded", now - timedelta(days=5), survey_type="nps",
                  score=[10, 9, 8, 3, 6][(n // 4) % 5])
    with runtime.sessions.begin() as s:
        ids = profiles.resolve_customers(s, workspace.id, [IdentityRef(user_id=u) for u in users],
                                         now - timedelta(days=400))
        by_user = dict(zip(users, ids, strict=True))
        commerce.upsert_products(s, workspace.id, [
            ProductUpsert(external_id=c.lower(), name=c, category=c, price=Decimal("20"))
            for c in CATEGORIES], now)
        commerce.record_orders(s, workspace.id, [
            OrderRecord(external_id=f"o{i}", customer_id=by_user[o.user], placed_at=o.placed_at,
                        total=o.total, currency="JPY", channel="web",
                        lines=(OrderLine(product_external_id=o.category.lower(),
                                         quantity=Decimal(1), unit_price=o.total,
                                         amount=o.total),))
            for i, o in enumerate(orders)], now)
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        for start in range(0, len(messages), 500):
            ingest.ingest_messages(s, source=source, messages=messages[start:start + 500],
                                   received_at=now)
    return orders
