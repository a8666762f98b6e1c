"""Purchase history as recommender input, read from the real commerce tables (both
dialects)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.recommend.interactions import load_purchase_interactions
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _line(product: str | None, quantity: int, category: str | None = None) -> OrderLine:
    return OrderLine(product_external_id=product, quantity=Decimal(quantity),
                     amount=Decimal(10 * quantity), category=category)


def test_lines_of_kept_orders_with_customer_and_product(runtime: Runtime,
                                                        workspace: Workspace) -> None:
    with runtime.sessions.begin() as s:
        alice, bob = profiles.resolve_customers(
            s, workspace.id, [IdentityRef(user_id="alice"), IdentityRef(user_id="bob")], T0)
        ids = commerce.upsert_products(s, workspace.id, [
            ProductUpsert(external_id="tea", category="Tea"), ProductUpsert(external_id="mug")], T0)
        orders = [
            OrderRecord(external_id="o1", customer_id=alice, placed_at=T0, total=Decimal(30),
                        lines=(_line("tea", 2), _line("mug", 1, category="Kitchen"),
                               _line("unknown", 1), _line("tea", -1))),
            OrderRecord(external_id="o2", customer_id=bob, placed_at=T0 + timedelta(days=1),
                        total=Decimal(10), lines=(_line("tea", 1),)),
            OrderRecord(external_id="o3", customer_id=bob, placed_at=T0 + timedelta(days=2),
                        total=Decimal(10), status="cancelled", lines=(_line("mug", 1),)),
            OrderRecord(external_id="o4", customer_id=None, placed_at=T0, total=Decimal(10),
                        lines=(_line("mug", 1),)),
            OrderRecord(external_id="o5", customer_id=alice, placed_at=T0 + timedelta(days=9),
                        total=Decimal(10), lines=(_line("mug", 3),)),
        ]
        commerce.record_orders(s, workspace.id, orders, T0)
    with runtime.sessions.begin() as s:
        data = load_purchase_interactions(s, workspace.id)
        early = load_purchase_interactions(s, workspace.id, until=T0 + timedelta(days=5))
    tea, mug = ids["tea"], ids["mug"]
    rows = list(zip(data.users.tolist(), data.items.tolist(), data.times.tolist(),
                    data.weights.tolist(), strict=True))
    t0 = int(T0.timestamp())
    assert rows == [(alice, tea, t0, 2.0), (alice, mug, t0, 1.0),
                    (bob, tea, t0 + 86_400, 1.0), (alice, mug, t0 + 9 * 86_400, 3.0)]
    assert data.baskets[0] == data.baskets[1] != data.baskets[2]
    assert data.item_categories == {tea: "Tea", mug: "Kitchen"}  # product's, else the line's
    assert len(early) == 3 and int(early.times.max()) == t0 + 86_400


def test_no_orders_give_empty_interactions(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.sessions.begin() as s:
        data = load_purchase_interactions(s, workspace.id)
    assert len(data) == 0 and data.users.dtype.kind == "i"
