"""Storage of reviews and review links; returns contracts, never rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.orm import Session

from kizuna.db.dialect import is_postgres
from kizuna.reviews.contracts import (
    Page,
    RejectReason,
    Review,
    ReviewFilter,
    ReviewStatus,
)
from kizuna.reviews.errors import ReviewNotFound
from kizuna.reviews.tables import ReviewLinkRow, ReviewRow
from kizuna.types import CustomerId, UserId, WorkspaceId


def to_review(row: ReviewRow) -> Review:
    return Review(
        id=row.id,
        customer_id=CustomerId(row.customer_id),
        product_id=row.product_id,
        rating=row.rating,
        title=row.title,
        body=row.body,
        photos=tuple(row.photos or ()),
        locale=row.locale,
        verified_purchase=row.verified_purchase,
        channel=row.channel,
        status=ReviewStatus(row.status),
        reject_reason=RejectReason(row.reject_reason) if row.reject_reason else None,
        moderation_note=row.moderation_note,
        moderated_by=UserId(row.moderated_by) if row.moderated_by else None,
        moderated_at=row.moderated_at,
        version=row.version,
        created_at=row.created_at,
        submitted_at=row.submitted_at,
    )


def lock_pair(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, product_id: str
) -> None:
    """Serialise submissions for one (customer, product) until the transaction ends, so two
    concurrent first reviews cannot both insert. SQLite needs nothing: every write transaction
    there holds the database's write lock."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                        {"k": f"review:{workspace_id}:{customer_id}:{product_id}"})


def find_row(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, product_id: str
) -> ReviewRow | None:
    """The customer's review of the product (the latest, if a profile merge left two)."""
    return session.scalar(
        select(ReviewRow)
        .where(ReviewRow.workspace_id == workspace_id, ReviewRow.customer_id == customer_id,
               ReviewRow.product_id == product_id)
        .order_by(ReviewRow.submitted_at.desc(), ReviewRow.id.desc())
        .limit(1)
    )


def get_row(session: Session, workspace_id: WorkspaceId, review_id: int) -> ReviewRow:
    row = session.get(ReviewRow, review_id)
    if row is None or row.workspace_id != workspace_id:
        raise ReviewNotFound(f"Review {review_id} does not exist.", review_id=review_id)
    return row


def lock_rows(
    session: Session, workspace_id: WorkspaceId, review_ids: Sequence[int]
) -> list[ReviewRow]:
    rows = list(session.scalars(
        select(ReviewRow)
        .where(ReviewRow.workspace_id == workspace_id, ReviewRow.id.in_(list(review_ids)))
        .order_by(ReviewRow.id)
        .with_for_update()
    ))
    found = {r.id for r in rows}
    missing = [i for i in review_ids if i not in found]
    if missing:
        raise ReviewNotFound(f"Review {missing[0]} does not exist.", review_id=missing[0])
    return rows


def insert(session: Session, values: dict[str, Any]) -> ReviewRow:
    row = ReviewRow(**values)
    session.add(row)
    session.flush()
    return row


def _filtered(workspace_id: WorkspaceId, where: ReviewFilter) -> Select[Any]:
    query = select(ReviewRow).where(ReviewRow.workspace_id == workspace_id)
    if where.status is not None:
        query = query.where(ReviewRow.status == where.status.value)
    if where.rating is not None:
        query = query.where(ReviewRow.rating == where.rating)
    if where.verified is not None:
        query = query.where(ReviewRow.verified_purchase.is_(where.verified))
    if where.product_id:
        query = query.where(ReviewRow.product_id == where.product_id)
    if where.customer_id is not None:
        query = query.where(ReviewRow.customer_id == where.customer_id)
    return query


def list_reviews(
    session: Session,
    workspace_id: WorkspaceId,
    where: ReviewFilter,
    *,
    page: int,
    page_size: int,
    oldest_first: bool,
) -> Page[Review]:
    query = _filtered(workspace_id, where)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    order = (ReviewRow.submitted_at.asc(), ReviewRow.id.asc()) if oldest_first else (
        ReviewRow.submitted_at.desc(), ReviewRow.id.desc())
    rows = session.scalars(query.order_by(*order).offset((page - 1) * page_size)
                           .limit(page_size))
    return Page(items=[to_review(r) for r in rows], total=total, page=page,
                      page_size=page_size)


def rating_counts(
    session: Session, workspace_id: WorkspaceId, product_id: str
) -> list[tuple[int, bool, int]]:
    rows = session.execute(
        select(ReviewRow.rating, ReviewRow.verified_purchase, func.count())
        .where(ReviewRow.workspace_id == workspace_id, ReviewRow.product_id == product_id,
               ReviewRow.status == ReviewStatus.APPROVED.value)
        .group_by(ReviewRow.rating, ReviewRow.verified_purchase)
    )
    return [(int(r), bool(v), int(n)) for r, v, n in rows]


def count_by_status(session: Session, workspace_id: WorkspaceId) -> dict[str, int]:
    rows = session.execute(
        select(ReviewRow.status, func.count())
        .where(ReviewRow.workspace_id == workspace_id)
        .group_by(ReviewRow.status)
    )
    counts = {s.value: 0 for s in ReviewStatus}
    counts.update({str(s): int(n) for s, n in rows})
    return counts


# --- review links ---------------------------------------------------------------------------


def insert_link(session: Session, values: dict[str, Any]) -> None:
    session.add(ReviewLinkRow(**values))
    session.flush()


def find_link(session: Session, token_hash: str, *, lock: bool = False) -> ReviewLinkRow | None:
    query = select(ReviewLinkRow).where(ReviewLinkRow.token_hash == token_hash)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def mark_link_used(session: Session, link_id: int, review_id: int, at: datetime) -> bool:
    """Use the link once: False if another request used it first."""
    result = session.execute(
        update(ReviewLinkRow)
        .where(ReviewLinkRow.id == link_id, ReviewLinkRow.used_at.is_(None))
        .values(used_at=at, review_id=review_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
