"""Orders and products, on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.commerce.tables import ProductRow
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 2, 1, 9, 30, tzinfo=UTC)


def test_orders_are_recorded_once_with_lines_linked_to_products(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        [cid] = profiles.resolve_customers(s, workspace.id, [IdentityRef(user_id="u")], T0)
        commerce.upsert_products(
            s,
            workspace.id,
            [ProductUpsert(external_id="p1", name="緑茶", category="Tea", price=Decimal("4.50"))],
            T0,
        )
        order = OrderRecord(
            external_id="A-1",
            customer_id=cid,
            placed_at=T0,
            total=Decimal("13.50"),
            currency="JPY",
            lines=(
                OrderLine(
                    product_external_id="p1",
                    quantity=Decimal(3),
                    unit_price=Decimal("4.50"),
                    amount=Decimal("13.50"),
                ),
                OrderLine(
                    product_external_id="unknown", quantity=Decimal(-1), amount=Decimal("-4.50")
                ),
            ),
        )
        outcome = commerce.record_orders(s, workspace.id, [order, order], T0)
        assert (outcome.written, outcome.skipped) == (1, 1)
    with runtime.sessions.begin() as s:
        assert commerce.record_orders(s, workspace.id, [order], T0).written == 0
        [stored] = commerce.list_customer_orders(s, workspace.id, cid)
        assert stored.total == Decimal("13.50") and stored.placed_at == T0
        assert [line.product_external_id for line in stored.lines] == ["p1", None]
        stats = commerce.customer_order_stats(s, workspace.id, cid)
        assert stats["orders"] == 1 and stats["revenue"] == Decimal("13.50")
        assert stats["last_at"] == T0
        assert commerce.cancel_order(s, workspace.id, "A-1", T0)
        assert commerce.customer_order_stats(s, workspace.id, cid)["orders"] == 0


def test_product_upsert_keeps_fields_not_given(runtime: Runtime, workspace: Workspace) -> None:
    with runtime.sessions.begin() as s:
        ids = commerce.upsert_products(
            s,
            workspace.id,
            [
                ProductUpsert(
                    external_id="p",
                    name="Jazz CD",
                    category="Jazz",
                    price=Decimal(12),
                    attributes={"artist": "Miles", "year": 1959},
                )
            ],
            T0,
        )
        again = commerce.upsert_products(
            s,
            workspace.id,
            [ProductUpsert(external_id="p", price=Decimal(10), attributes={"year": 1960})],
            T0,
        )
        assert ids == again
        row = s.get(ProductRow, ids["p"])
        assert row is not None
        s.refresh(row)
        assert (row.name, row.category, row.price) == ("Jazz CD", "Jazz", Decimal("10.00"))
        assert row.attributes == {"artist": "Miles", "year": 1960}
