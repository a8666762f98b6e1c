"""A small shop for the reviews tests, built through the real ingest facade.

- Aiko (``u-aiko``) bought ``p-tea`` (category "Tea") on T0 and ``p-cup`` on T0 + 1 d, but the
  cup order was cancelled;
- Ken (``u-ken``) browsed anonymously (``anon-ken``) and never ordered;
- the catalogue knows ``p-tea``, ``p-cup`` and ``p-pot`` (nobody bought the pot).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.types import CustomerId, WorkspaceId

T0 = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Shop:
    workspace_id: WorkspaceId
    aiko: CustomerId
    ken: CustomerId


def _at(days: float) -> str:
    return (T0 + timedelta(days=days)).isoformat()


def _order(order_id: str, product: str, category: str, days: float) -> dict[str, Any]:
    return {"type": "track", "messageId": f"m-{order_id}", "userId": "u-aiko",
            "event": "Order Completed", "timestamp": _at(days),
            "properties": {"order_id": order_id, "total": 3200, "currency": "JPY",
                           "products": [{"product_id": product, "name": product.title(),
                                         "category": category, "price": 3200,
                                         "quantity": 1}]}}


def build_shop(runtime: Runtime, workspace_id: WorkspaceId, write_key: str) -> Shop:
    with runtime.sessions() as s, s.begin():
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        messages: list[dict[str, Any]] = [
            {"type": "identify", "messageId": "m-id-aiko", "userId": "u-aiko",
             "traits": {"email": "aiko@example.jp", "name": "佐藤 愛子"}, "timestamp": _at(0)},
            {"type": "track", "messageId": "m-view-pot", "anonymousId": "anon-ken",
             "event": "Product Viewed", "timestamp": _at(0),
             "properties": {"product_id": "p-pot", "name": "Tea pot", "category": "Ware"}},
            {"type": "identify", "messageId": "m-id-ken", "userId": "u-ken",
             "anonymousId": "anon-ken", "timestamp": _at(0.5)},
            _order("o-1", "p-tea", "Tea", 0.1),
            _order("o-2", "p-cup", "Ware", 1),
            {"type": "track", "messageId": "m-cancel", "userId": "u-aiko",
             "event": "Order Cancelled", "timestamp": _at(1.5),
             "properties": {"order_id": "o-2"}},
        ]
        ingest.ingest_messages(s, source=source, messages=messages,
                               received_at=T0 + timedelta(days=2))
        aiko = profiles.find_customer_id(s, workspace_id, IdentityRef(user_id="u-aiko"))
        ken = profiles.find_customer_id(s, workspace_id, IdentityRef(user_id="u-ken"))
        assert aiko is not None and ken is not None
    return Shop(workspace_id=workspace_id, aiko=aiko, ken=ken)
