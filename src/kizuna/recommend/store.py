"""SQL of the recommend domain: runs, their precomputed rows, settings, catalogue reads.

Catalogue and order tables are read through the commerce facade's table objects; every
function returns plain values or contracts, never ORM rows outside this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from kizuna.commerce import api as commerce
from kizuna.db import bulk
from kizuna.db.dialect import in_values
from kizuna.recommend.run_contracts import ProductCard, RecommenderSettings, RunSummary
from kizuna.recommend.tables import (
    CustomerRecommendationRow,
    PopularProductRow,
    ProductAssociationRow,
    RecommenderRunRow,
    RecommenderSettingsRow,
)
from kizuna.types import CustomerId, WorkspaceId

CHUNK = 2000
recs_t: Table = CustomerRecommendationRow.__table__  # type: ignore[assignment]
pairs_t: Table = ProductAssociationRow.__table__  # type: ignore[assignment]
popular_t: Table = PopularProductRow.__table__  # type: ignore[assignment]
CHILD_TABLES = (recs_t, pairs_t, popular_t)

REC_COLUMNS = ("run_id", "customer_id", "product_id", "rank", "score", "reason")
PAIR_COLUMNS = ("run_id", "product_id", "other_product_id", "rank", "orders_together",
                "confidence", "lift")
POPULAR_COLUMNS = ("run_id", "scope", "product_id", "rank", "score")

DEFAULT_SETTINGS = RecommenderSettings(
    exclude_purchased="auto", excluded_categories=(), repeatable_categories=(), retrain_hours=24,
    updated_at=None,
)


# --- settings ---------------------------------------------------------------------------


def get_settings(session: Session, workspace_id: WorkspaceId) -> RecommenderSettings:
    row = session.get(RecommenderSettingsRow, workspace_id)
    if row is None:
        return DEFAULT_SETTINGS
    return RecommenderSettings(
        exclude_purchased=row.exclude_purchased,
        excluded_categories=tuple(row.excluded_categories or ()),
        repeatable_categories=tuple(row.repeatable_categories or ()),
        retrain_hours=row.retrain_hours, updated_at=row.updated_at,
    )


def lock_settings(session: Session, workspace_id: WorkspaceId, now: datetime) -> None:
    """Create the settings row if missing and lock it (serialises training starts)."""
    row = session.get(RecommenderSettingsRow, workspace_id, with_for_update=True)
    if row is None:
        session.add(RecommenderSettingsRow(
            workspace_id=workspace_id, exclude_purchased="auto", excluded_categories=[],
            repeatable_categories=[], retrain_hours=24, updated_at=now))
        session.flush()
        session.get(RecommenderSettingsRow, workspace_id, with_for_update=True)


def save_settings(
    session: Session, workspace_id: WorkspaceId, value: RecommenderSettings, now: datetime
) -> None:
    lock_settings(session, workspace_id, now)
    row = session.get(RecommenderSettingsRow, workspace_id)
    assert row is not None
    row.exclude_purchased = value.exclude_purchased
    row.excluded_categories = list(value.excluded_categories)
    row.repeatable_categories = list(value.repeatable_categories)
    row.retrain_hours = value.retrain_hours
    row.updated_at = now
    session.flush()


# --- runs -------------------------------------------------------------------------------


def to_summary(row: RecommenderRunRow, rows_written: dict[str, int] | None = None) -> RunSummary:
    params = dict(row.params or {})
    return RunSummary(
        id=row.id, status=row.status, mode=str(params.get("mode", "")),
        started_at=row.started_at, trained_at=row.trained_at, interactions=row.interactions,
        customers=row.customers, products=row.products,
        weights={str(k): float(v) for k, v in (row.weights or {}).items()},
        params=params, metrics=dict(row.metrics or {}), duration_ms=row.duration_ms,
        error=row.error, note=str(params.get("note", "")),
        rows_written=dict(rows_written or params.get("rows_written", {})),
    )


def start_run(session: Session, workspace_id: WorkspaceId, now: datetime) -> int:
    row = RecommenderRunRow(workspace_id=workspace_id, status="training", started_at=now,
                            interactions=0, customers=0, products=0, weights={}, params={},
                            metrics={}, duration_ms=0)
    session.add(row)
    session.flush()
    return row.id


def running_runs(session: Session, workspace_id: WorkspaceId) -> list[RecommenderRunRow]:
    return list(session.scalars(select(RecommenderRunRow).where(
        RecommenderRunRow.workspace_id == workspace_id, RecommenderRunRow.status == "training")))


def get_run(session: Session, run_id: int) -> RecommenderRunRow | None:
    return session.get(RecommenderRunRow, run_id)


def current_run(session: Session, workspace_id: WorkspaceId) -> RecommenderRunRow | None:
    """The run serving now: the newest ready one."""
    return session.scalar(
        select(RecommenderRunRow)
        .where(RecommenderRunRow.workspace_id == workspace_id,
               RecommenderRunRow.status == "ready")
        .order_by(RecommenderRunRow.trained_at.desc(), RecommenderRunRow.id.desc())
        .limit(1))


def latest_run(session: Session, workspace_id: WorkspaceId) -> RecommenderRunRow | None:
    """The newest run whatever its status."""
    return session.scalar(
        select(RecommenderRunRow)
        .where(RecommenderRunRow.workspace_id == workspace_id)
        .order_by(RecommenderRunRow.started_at.desc(), RecommenderRunRow.id.desc())
        .limit(1))


def delete_run_rows(session: Session, run_id: int) -> None:
    for table in CHILD_TABLES:
        session.execute(delete(table).where(table.c.run_id == run_id))


def delete_runs_except(session: Session, workspace_id: WorkspaceId, keep: int) -> int:
    """Delete every other run of the workspace (and its rows); returns how many."""
    ids = list(session.scalars(select(RecommenderRunRow.id).where(
        RecommenderRunRow.workspace_id == workspace_id, RecommenderRunRow.id != keep,
        RecommenderRunRow.status != "training")))
    for run_id in ids:
        delete_run_rows(session, run_id)
    if ids:
        session.execute(delete(RecommenderRunRow).where(RecommenderRunRow.id.in_(ids)))
    return len(ids)


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    for start in range(0, len(rows), CHUNK * 5):
        bulk.insert_many(session, table, columns, rows[start:start + CHUNK * 5])


# --- serving reads ----------------------------------------------------------------------


def customer_rows(
    session: Session, run_id: int, customer_id: int
) -> list[tuple[int, float, str]]:
    """(product id, score, reason) best first, duplicates (after merges) removed."""
    rows = session.execute(
        select(recs_t.c.product_id, recs_t.c.score, recs_t.c.reason, recs_t.c.rank)
        .where(recs_t.c.run_id == run_id, recs_t.c.customer_id == customer_id)
        .order_by(recs_t.c.rank, recs_t.c.score.desc(), recs_t.c.id))
    seen: set[int] = set()
    out: list[tuple[int, float, str]] = []
    for product_id, score, reason, _rank in rows:
        if product_id not in seen:
            seen.add(product_id)
            out.append((int(product_id), float(score), str(reason)))
    return out


def has_customer_rows(session: Session, run_id: int, customer_id: int) -> bool:
    return session.scalar(select(recs_t.c.id).where(
        recs_t.c.run_id == run_id, recs_t.c.customer_id == customer_id).limit(1)) is not None


def popular_list(
    session: Session, run_id: int, scope: str, limit: int
) -> list[tuple[int, float]]:
    return [(int(p), float(s)) for p, s in session.execute(
        select(popular_t.c.product_id, popular_t.c.score)
        .where(popular_t.c.run_id == run_id, popular_t.c.scope == scope)
        .order_by(popular_t.c.rank).limit(limit))]


def popular_scopes(session: Session, run_id: int) -> dict[str, int]:
    return {str(scope): int(n) for scope, n in session.execute(
        select(popular_t.c.scope, func.count()).where(popular_t.c.run_id == run_id)
        .group_by(popular_t.c.scope))}


def scores_in_scope(
    session: Session, run_id: int, scope: str, product_ids: Iterable[int]
) -> dict[int, float]:
    wanted = sorted(set(product_ids))
    out: dict[int, float] = {}
    for start in range(0, len(wanted), CHUNK):
        out.update((int(p), float(s)) for p, s in session.execute(
            select(popular_t.c.product_id, popular_t.c.score).where(
                popular_t.c.run_id == run_id, popular_t.c.scope == scope,
                in_values(session, popular_t.c.product_id, wanted[start:start + CHUNK]))))
    return out


def pairs_of(
    session: Session, run_id: int, product_id: int, limit: int
) -> list[tuple[int, int, float, float]]:
    """(other product, orders together, confidence, lift) best first."""
    return [(int(o), int(n), float(c), float(lift)) for o, n, c, lift in session.execute(
        select(pairs_t.c.other_product_id, pairs_t.c.orders_together, pairs_t.c.confidence,
               pairs_t.c.lift)
        .where(pairs_t.c.run_id == run_id, pairs_t.c.product_id == product_id)
        .order_by(pairs_t.c.rank).limit(limit))]


def count_rows(session: Session, run_id: int) -> dict[str, int]:
    return {table.name: int(session.scalar(
        select(func.count()).select_from(table).where(table.c.run_id == run_id)) or 0)
        for table in CHILD_TABLES}


# --- catalogue and orders (commerce tables, read only) ----------------------------------


def product_rows(
    session: Session, workspace_id: WorkspaceId, product_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    return commerce.product_details(session, workspace_id, product_ids)


def product_id_by_external(
    session: Session, workspace_id: WorkspaceId, external_id: str
) -> int | None:
    return commerce.product_id(session, workspace_id, external_id)


def purchased_products(
    session: Session, workspace_id: WorkspaceId, customer_id: int
) -> set[int]:
    return commerce.purchased_product_ids(session, workspace_id, CustomerId(customer_id))


def last_order_created(session: Session, workspace_id: WorkspaceId) -> datetime | None:
    return commerce.last_order_stored_at(session, workspace_id)


def to_card(row: dict[str, Any], in_stock: bool) -> ProductCard:
    return ProductCard(
        product_id=int(row["id"]), external_id=str(row["external_id"]), name=row["name"],
        category=row["category"], price=row["price"], currency=row["currency"], url=row["url"],
        image_url=row["image_url"], in_stock=in_stock,
    )
