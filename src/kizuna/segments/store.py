"""Rows of segments and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kizuna.segments.contracts import Segment
from kizuna.segments.errors import SegmentExists, SegmentNotFound
from kizuna.segments.tables import SegmentMembershipRow, SegmentRow


def to_segment(row: SegmentRow) -> Segment:
    return Segment(id=row.id, key=row.key, name=row.name, condition=dict(row.condition),
                   size=row.size, computed_at=row.computed_at,
                   recompute_count=row.recompute_count, created_at=row.created_at,
                   updated_at=row.updated_at)


def find(session: Session, workspace_id: int, key: str) -> SegmentRow | None:
    return session.scalar(select(SegmentRow).where(SegmentRow.workspace_id == workspace_id,
                                                   SegmentRow.key == key))


def get(session: Session, workspace_id: int, key: str) -> SegmentRow:
    row = find(session, workspace_id, key)
    if row is None:
        raise SegmentNotFound(f"No segment has the key {key!r}; list the segments to see "
                              "their keys.", key=key)
    return row


def all_rows(session: Session, workspace_id: int) -> list[SegmentRow]:
    return list(session.scalars(select(SegmentRow).where(SegmentRow.workspace_id == workspace_id)
                                .order_by(SegmentRow.key)))


def add(session: Session, workspace_id: int, key: str, name: str, condition: dict[str, Any],
        at: datetime) -> SegmentRow:
    if find(session, workspace_id, key) is not None:
        raise SegmentExists(f"A segment with the key {key!r} already exists; choose another "
                            "key or update that segment.", key=key)
    row = SegmentRow(workspace_id=workspace_id, key=key, name=name, condition=condition,
                     recompute_count=0, created_at=at, updated_at=at)
    session.add(row)
    session.flush()
    return row


def remove(session: Session, row: SegmentRow) -> None:
    session.execute(delete(SegmentMembershipRow).where(SegmentMembershipRow.segment_id == row.id))
    session.delete(row)
    session.flush()


def member_ids(session: Session, segment_id: int, *, limit: int, after: int = 0) -> list[int]:
    m = SegmentMembershipRow
    return [int(i) for i in session.scalars(
        select(m.customer_id).where(m.segment_id == segment_id, m.customer_id > after)
        .group_by(m.customer_id).order_by(m.customer_id).limit(limit))]


def member_count(session: Session, segment_id: int) -> int:
    m = SegmentMembershipRow
    return int(session.scalar(select(func.count(func.distinct(m.customer_id)))
                              .where(m.segment_id == segment_id)) or 0)
