"""Facade of the commerce domain: products, orders and their lines."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from kizuna.commerce.contracts import (
    Order,
    OrderFact,
    OrderLine,
    OrderRecord,
    ProductSummary,
    ProductUpsert,
    RecordOutcome,
)
from kizuna.commerce.tables import OrderItemRow, OrderRow, ProductRow
from kizuna.db import bulk
from kizuna.db.dialect import in_values, insert, merge_json
from kizuna.types import CustomerId, WorkspaceId

CHUNK = 2000
orders_t: Table = OrderRow.__table__  # type: ignore[assignment]
items_t: Table = OrderItemRow.__table__  # type: ignore[assignment]
products_t: Table = ProductRow.__table__  # type: ignore[assignment]
_PRODUCT_FIELDS = ("sku", "name", "category", "brand", "price", "currency", "url", "image_url")


def _product_ids(
    session: Session, workspace_id: WorkspaceId, external_ids: Sequence[str]
) -> dict[str, int]:
    found: dict[str, int] = {}
    wanted = sorted(set(external_ids))
    for start in range(0, len(wanted), CHUNK):
        for pid, ext in session.execute(
            select(ProductRow.id, ProductRow.external_id).where(
                ProductRow.workspace_id == workspace_id,
                in_values(session, ProductRow.external_id, wanted[start : start + CHUNK]),
            )
        ):
            found[ext] = pid
    return found


def upsert_products(
    session: Session, workspace_id: WorkspaceId, products: Sequence[ProductUpsert], at: datetime
) -> dict[str, int]:
    """Create or update products by external id; ``None`` fields never overwrite."""
    latest: dict[str, ProductUpsert] = {}
    for product in products:
        latest[product.external_id] = product  # the last description in a batch wins
    if not latest:
        return {}
    stmt = insert(session, products_t)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "external_id"],
        set_={
            **{f: func.coalesce(excluded[f], products_t.c[f]) for f in _PRODUCT_FIELDS},
            "attributes": merge_json(session, products_t.c.attributes, excluded.attributes),
            "updated_at": excluded.updated_at,
        },
    )
    rows = [
        {"workspace_id": workspace_id, "external_id": p.external_id,
         **{f: getattr(p, f) for f in _PRODUCT_FIELDS}, "attributes": dict(p.attributes),
         "updated_at": at}
        for p in latest.values()
    ]
    for start in range(0, len(rows), CHUNK):
        session.execute(stmt, rows[start : start + CHUNK])
    return _product_ids(session, workspace_id, list(latest))


_ORDER_COLUMNS = (
    "workspace_id", "external_id", "customer_id", "status", "placed_at", "currency", "total",
    "subtotal", "revenue", "tax", "shipping", "discount", "coupon", "channel", "origin",
    "event_id", "cancelled_at", "created_at",
)
_LINE_COLUMNS = (
    "order_id", "product_id", "sku", "name", "category", "quantity", "unit_price", "amount",
)


def record_orders(
    session: Session, workspace_id: WorkspaceId, orders: Sequence[OrderRecord], at: datetime
) -> RecordOutcome:
    """Store orders once each: an ``external_id`` already stored is skipped, never updated."""
    unique: dict[str, OrderRecord] = {}
    for order in orders:
        unique.setdefault(order.external_id, order)
    if not unique:
        return RecordOutcome(written=0, skipped=len(orders))
    inserted = dict(
        (ext, oid)
        for oid, ext in bulk.insert_many_returning(
            session, orders_t, _ORDER_COLUMNS,
            [_order_values(workspace_id, o, at) for o in unique.values()],
            returning=("id", "external_id"),
            on_conflict_do_nothing=("workspace_id", "external_id"),
        )
    )
    product_refs = [
        line.product_external_id
        for ext in inserted
        for line in unique[ext].lines
        if line.product_external_id
    ]
    products = _product_ids(session, workspace_id, product_refs) if product_refs else {}
    bulk.insert_many(session, items_t, _LINE_COLUMNS, [
        (oid, products.get(line.product_external_id or ""), line.sku, line.name, line.category,
         line.quantity, line.unit_price, line.amount)
        for ext, oid in inserted.items()
        for line in unique[ext].lines
    ])
    return RecordOutcome(written=len(inserted), skipped=len(orders) - len(inserted))


def _order_values(workspace_id: WorkspaceId, o: OrderRecord, at: datetime) -> tuple[Any, ...]:
    return (
        workspace_id, o.external_id, o.customer_id, o.status, o.placed_at, o.currency, o.total,
        o.subtotal, o.revenue, o.tax, o.shipping, o.discount, o.coupon, o.channel, o.origin,
        o.event_id, o.placed_at if o.status == "cancelled" else None, at,
    )


def cancel_order(
    session: Session, workspace_id: WorkspaceId, external_id: str, at: datetime
) -> bool:
    """Mark an order cancelled (its rows stay). False if no such order exists."""
    result = session.execute(
        update(OrderRow)
        .where(OrderRow.workspace_id == workspace_id, OrderRow.external_id == external_id,
               OrderRow.status != "cancelled")
        .values(status="cancelled", cancelled_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_customer_orders(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, *, limit: int = 50
) -> list[Order]:
    rows = list(session.scalars(
        select(OrderRow)
        .where(OrderRow.workspace_id == workspace_id, OrderRow.customer_id == customer_id)
        .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
        .limit(limit)
    ))
    lines: dict[int, list[OrderLine]] = {r.id: [] for r in rows}
    if rows:
        items = session.execute(
            select(OrderItemRow, ProductRow.external_id)
            .outerjoin(ProductRow, ProductRow.id == OrderItemRow.product_id)
            .where(OrderItemRow.order_id.in_(list(lines)))
            .order_by(OrderItemRow.id)
        )
        for item, product_ext in items:
            lines[item.order_id].append(OrderLine(
                product_external_id=product_ext, quantity=item.quantity, amount=item.amount,
                unit_price=item.unit_price, sku=item.sku, name=item.name, category=item.category,
            ))
    return [
        Order(id=r.id, external_id=r.external_id,
              customer_id=CustomerId(r.customer_id) if r.customer_id else None, status=r.status,
              placed_at=r.placed_at, currency=r.currency, total=r.total, origin=r.origin,
              lines=tuple(lines[r.id]))
        for r in rows
    ]


def count_orders_by_customer(
    session: Session, workspace_id: WorkspaceId, customer_ids: Sequence[CustomerId]
) -> dict[CustomerId, int]:
    """Orders per customer (cancelled excluded) for a page of customers, in one query."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(OrderRow.customer_id, func.count())
        .where(OrderRow.workspace_id == workspace_id, OrderRow.customer_id.in_(customer_ids),
               OrderRow.status != "cancelled")
        .group_by(OrderRow.customer_id)
    )
    counts = {CustomerId(cid): int(n) for cid, n in rows if cid is not None}
    return {cid: counts.get(cid, 0) for cid in customer_ids}


def customer_order_stats(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId
) -> dict[str, Any]:
    """Orders count and revenue (cancelled orders excluded), first and last order time."""
    count, revenue, first, last = session.execute(
        select(func.count(), func.coalesce(func.sum(OrderRow.total), 0),
               func.min(OrderRow.placed_at), func.max(OrderRow.placed_at))
        .where(OrderRow.workspace_id == workspace_id, OrderRow.customer_id == customer_id,
               OrderRow.status != "cancelled")
    ).one()
    from kizuna.clock import as_utc

    return {
        "orders": int(count),
        "revenue": Decimal(str(revenue)).quantize(Decimal("0.01")),
        "first_at": as_utc(first) if isinstance(first, datetime) else _parse(first),
        "last_at": as_utc(last) if isinstance(last, datetime) else _parse(last),
    }


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    from datetime import UTC

    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def find_product(
    session: Session, workspace_id: WorkspaceId, external_id: str
) -> ProductSummary | None:
    """The product with this external id (product_id or sku), or None if never seen."""
    row = session.scalar(select(ProductRow).where(
        ProductRow.workspace_id == workspace_id, ProductRow.external_id == external_id))
    if row is None:
        return None
    return ProductSummary(id=row.id, external_id=row.external_id, name=row.name,
                          category=row.category)


def has_purchased(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId,
    product_external_id: str,
    *,
    before: datetime,
) -> bool:
    """Whether the customer placed a non-cancelled order containing the product before
    ``before`` (a line of that product, matched by its external id or, failing that, its sku)."""
    product_ids = select(ProductRow.id).where(
        ProductRow.workspace_id == workspace_id, ProductRow.external_id == product_external_id)
    found = session.scalar(
        select(OrderRow.id)
        .join(OrderItemRow, OrderItemRow.order_id == OrderRow.id)
        .where(
            OrderRow.workspace_id == workspace_id,
            OrderRow.customer_id == customer_id,
            OrderRow.status != "cancelled",
            OrderRow.placed_at <= before,
            OrderItemRow.product_id.in_(product_ids)
            | (OrderItemRow.product_id.is_(None) & (OrderItemRow.sku == product_external_id)),
        )
        .limit(1)
    )
    return found is not None


def order_totals_between(
    session: Session, workspace_id: WorkspaceId, *, start: datetime, end: datetime
) -> list[tuple[CustomerId, datetime, Decimal]]:
    """(customer, placed_at, total) of every non-cancelled order of a known customer placed in
    ``[start, end)``, oldest first: the input of reports that compare groups of customers."""
    rows = session.execute(
        select(OrderRow.customer_id, OrderRow.placed_at, OrderRow.total)
        .where(OrderRow.workspace_id == workspace_id, OrderRow.customer_id.is_not(None),
               OrderRow.status != "cancelled", OrderRow.placed_at >= start,
               OrderRow.placed_at < end)
        .order_by(OrderRow.placed_at, OrderRow.id)
    )
    return [(CustomerId(cid), placed, Decimal(total)) for cid, placed, total in rows
            if cid is not None]


def purchase_lines(
    session: Session, workspace_id: WorkspaceId, until: datetime | None = None
) -> list[tuple[int, int, datetime, float, int, str | None]]:
    """Lines of non-cancelled orders with a customer and a known product, positive quantity
    only (returns are skipped), placed before ``until``: tuples of (customer_id, product_id,
    placed_at, quantity, order_id, category), oldest first. For the recommenders."""
    query = (
        select(OrderRow.customer_id, OrderItemRow.product_id, OrderRow.placed_at,
               OrderItemRow.quantity, OrderRow.id,
               func.coalesce(ProductRow.category, OrderItemRow.category))
        .join(OrderItemRow, OrderItemRow.order_id == OrderRow.id)
        .outerjoin(ProductRow, ProductRow.id == OrderItemRow.product_id)
        .where(OrderRow.workspace_id == workspace_id, OrderRow.status != "cancelled",
               OrderRow.customer_id.is_not(None), OrderItemRow.product_id.is_not(None),
               OrderItemRow.quantity > 0)
        .order_by(OrderRow.placed_at, OrderRow.id, OrderItemRow.id)
    )
    if until is not None:
        query = query.where(OrderRow.placed_at < until)
    return [(int(c or 0), int(p or 0), at, float(q), int(o), cat)
            for c, p, at, q, o, cat in session.execute(query)]


# --- loyalty scans --------------------------------------------------------------------------


def _order_fact(row: OrderRow) -> OrderFact:
    return OrderFact(id=row.id, external_id=row.external_id,
                     customer_id=CustomerId(row.customer_id) if row.customer_id else None,
                     status=row.status, placed_at=row.placed_at, total=row.total,
                     currency=row.currency, cancelled_at=row.cancelled_at)


def orders_since(
    session: Session, workspace_id: WorkspaceId, *, after_id: int, limit: int
) -> list[OrderFact]:
    """Orders stored after order id ``after_id``, in id order (at most ``limit``)."""
    rows = session.scalars(
        select(OrderRow)
        .where(OrderRow.workspace_id == workspace_id, OrderRow.id > after_id)
        .order_by(OrderRow.id).limit(limit))
    return [_order_fact(r) for r in rows]


def cancelled_since(
    session: Session, workspace_id: WorkspaceId, *, after: tuple[datetime, int] | None,
    limit: int,
) -> list[OrderFact]:
    """Cancelled orders after the (cancelled_at, id) mark, in that order."""
    query = select(OrderRow).where(OrderRow.workspace_id == workspace_id,
                                   OrderRow.status == "cancelled",
                                   OrderRow.cancelled_at.is_not(None))
    if after is not None:
        at, last_id = after
        query = query.where((OrderRow.cancelled_at > at)
                            | ((OrderRow.cancelled_at == at) & (OrderRow.id > last_id)))
    rows = session.scalars(query.order_by(OrderRow.cancelled_at, OrderRow.id).limit(limit))
    return [_order_fact(r) for r in rows]


def spend_by_customer(
    session: Session, workspace_id: WorkspaceId, customer_ids: Collection[CustomerId], *,
    since: datetime, until: datetime,
) -> dict[CustomerId, Decimal]:
    """Sum of non-cancelled order totals (returns are negative) placed in [since, until)."""
    found: dict[CustomerId, Decimal] = {}
    wanted = sorted(set(customer_ids))
    for start in range(0, len(wanted), CHUNK):
        for cid, total in session.execute(
            select(OrderRow.customer_id, func.sum(OrderRow.total))
            .where(OrderRow.workspace_id == workspace_id, OrderRow.status != "cancelled",
                   OrderRow.placed_at >= since, OrderRow.placed_at < until,
                   in_values(session, OrderRow.customer_id, wanted[start:start + CHUNK]))
            .group_by(OrderRow.customer_id)):
            if cid is not None:
                found[CustomerId(int(cid))] = Decimal(total or 0)
    return found


def product_details(
    session: Session, workspace_id: WorkspaceId, product_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """Catalogue fields of products by internal id (id, external_id, name, category, price,
    currency, url, image_url, attributes); unknown ids are left out."""
    wanted = sorted(set(product_ids))
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        for row in session.execute(select(
            products_t.c.id, products_t.c.external_id, products_t.c.name, products_t.c.category,
            products_t.c.price, products_t.c.currency, products_t.c.url, products_t.c.image_url,
            products_t.c.attributes,
        ).where(products_t.c.workspace_id == workspace_id,
                in_values(session, products_t.c.id, wanted[start:start + CHUNK]))):
            out[int(row.id)] = dict(row._mapping)
    return out


def product_id(session: Session, workspace_id: WorkspaceId, external_id: str) -> int | None:
    """The internal id of the product with this external id, or None."""
    found = session.scalar(select(ProductRow.id).where(
        ProductRow.workspace_id == workspace_id, ProductRow.external_id == external_id))
    return None if found is None else int(found)


def purchased_product_ids(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId
) -> set[int]:
    """Products in the customer's non-cancelled orders (a bought-then-returned product still
    counts: the customer knows it)."""
    return {int(p) for p in session.scalars(
        select(OrderItemRow.product_id).distinct()
        .join(OrderRow, OrderRow.id == OrderItemRow.order_id)
        .where(OrderRow.workspace_id == workspace_id, OrderRow.customer_id == customer_id,
               OrderRow.status != "cancelled", OrderItemRow.product_id.is_not(None)))
            if p is not None}


def last_order_stored_at(session: Session, workspace_id: WorkspaceId) -> datetime | None:
    """When the newest order was stored (``created_at``: an import of old orders counts)."""
    value = session.scalar(select(func.max(OrderRow.created_at)).where(
        OrderRow.workspace_id == workspace_id))
    if value is None or isinstance(value, datetime):
        return value
    return _parse(value)


WINDOW_CHUNK = 5000  # windows per statement


def spend_in_windows(
    session: Session, workspace_id: WorkspaceId,
    windows: Sequence[tuple[int, int, datetime, datetime, datetime]],
) -> dict[int, tuple[int, Decimal, Decimal]]:
    """For windows ``(key, customer_id, pre_start, start, end)``: (number of orders placed in
    ``[start, end)``, their total, total of the orders in ``[pre_start, start)``), keyed by
    ``key``; non-cancelled orders only (returns count negative); keys without any order are
    left out. One statement per chunk of windows (a :func:`kizuna.db.rowset.rowset` with
    correlated look-ups on the (customer, placed_at) index): the outcome side of experiments
    (``experiments.api.observe``)."""
    from sqlalchemy import and_

    from kizuna.db.dialect import is_postgres
    from kizuna.db.rowset import rowset

    found: dict[int, tuple[int, Decimal, Decimal]] = {}
    zero = Decimal(0)
    for first in range(0, len(windows), WINDOW_CHUNK):
        w = rowset(session, "w", [("k", "int"), ("cid", "int"), ("pre_at", "time"),
                                  ("start_at", "time"), ("end_at", "time")],
                   windows[first:first + WINDOW_CHUNK])
        mine = (OrderRow.customer_id == w.c.cid, OrderRow.workspace_id == workspace_id,
                OrderRow.status != "cancelled")
        if is_postgres(session):  # the planner joins the arrays to orders well
            inside = and_(OrderRow.placed_at >= w.c.start_at, OrderRow.placed_at < w.c.end_at)
            query = (select(w.c.k, func.count().filter(inside),
                            func.sum(OrderRow.total).filter(inside),
                            func.sum(OrderRow.total).filter(OrderRow.placed_at < w.c.start_at))
                     .select_from(w).join(OrderRow, and_(
                         *mine, OrderRow.placed_at >= w.c.pre_at,
                         OrderRow.placed_at < w.c.end_at)).group_by(w.c.k))
        else:  # SQLite: correlated look-ups keep the windows as the outer loop
            within = (*mine, OrderRow.placed_at >= w.c.start_at,
                      OrderRow.placed_at < w.c.end_at)
            before = (*mine, OrderRow.placed_at >= w.c.pre_at,
                      OrderRow.placed_at < w.c.start_at)
            query = select(
                w.c.k, select(func.count()).where(*within).scalar_subquery(),
                select(func.sum(OrderRow.total)).where(*within).scalar_subquery(),
                select(func.sum(OrderRow.total)).where(*before).scalar_subquery())
        rows = session.execute(query)
        for key, count, total, pre in rows:
            if count or pre is not None:
                found[int(key)] = (int(count or 0), Decimal(total or zero),
                                   Decimal(pre or zero))
    return found
