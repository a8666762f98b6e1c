"""Rows of the broadcasts domain and their conversion to contracts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from kizuna.broadcasts.contracts import ArmSpec, Broadcast, BroadcastStatus
from kizuna.broadcasts.errors import BroadcastNotFound
from kizuna.broadcasts.tables import BroadcastRecipientRow, BroadcastRow
from kizuna.db import bulk
from kizuna.types import WorkspaceId

recipients_t: Table = BroadcastRecipientRow.__table__  # type: ignore[assignment]


def arms_of(raw: Sequence[Any]) -> tuple[ArmSpec, ...]:
    return tuple(ArmSpec(name=str(a["name"]), weight=float(a.get("weight", 1.0)),
                         template=a.get("template")) for a in raw)


def to_broadcast(row: BroadcastRow) -> Broadcast:
    return Broadcast(
        id=row.id, workspace_id=WorkspaceId(row.workspace_id), key=row.key, name=row.name,
        segment_key=row.segment_key, channel=row.channel, purpose=row.purpose,
        transactional=row.transactional, template=dict(row.template), arms=arms_of(row.arms),
        holdout_pct=row.holdout_pct, global_control_pct=row.global_control_pct,
        goal_event=row.goal_event, window_days=row.window_days,
        throttle_per_minute=row.throttle_per_minute, webhook_url=row.webhook_url,
        status=BroadcastStatus(row.status), scheduled_at=row.scheduled_at,
        started_at=row.started_at, finished_at=row.finished_at, cancelled_at=row.cancelled_at,
        recipients=row.recipients, enqueued=row.enqueued, created_by=row.created_by,
        created_at=row.created_at, updated_at=row.updated_at)


def find_row(session: Session, workspace_id: WorkspaceId, key: str, *,
             lock: bool = False) -> BroadcastRow:
    query = select(BroadcastRow).where(BroadcastRow.workspace_id == workspace_id,
                                       BroadcastRow.key == key)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise BroadcastNotFound(f"No broadcast {key!r} in this workspace; see `kizuna "
                                "broadcasts list`.", key=key)
    return row


def lock_row(session: Session, broadcast_id: int) -> BroadcastRow | None:
    return session.scalars(select(BroadcastRow).where(BroadcastRow.id == broadcast_id)
                           .with_for_update()).one_or_none()


def list_rows(session: Session, workspace_id: WorkspaceId, *, status: str | None,
              limit: int, offset: int) -> tuple[list[BroadcastRow], int]:
    query = select(BroadcastRow).where(BroadcastRow.workspace_id == workspace_id)
    if status:
        query = query.where(BroadcastRow.status == status)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = list(session.scalars(query.order_by(BroadcastRow.created_at.desc(),
                                               BroadcastRow.id.desc())
                                .limit(limit).offset(offset)))
    return rows, total


def due_ids(session: Session, now: datetime) -> list[tuple[int, int]]:
    """(broadcast id, workspace id) of every broadcast to work on: scheduled and due, or
    sending (a send to finish), oldest first."""
    rows = session.execute(
        select(BroadcastRow.id, BroadcastRow.workspace_id)
        .where(((BroadcastRow.status == BroadcastStatus.SCHEDULED.value)
                & (BroadcastRow.scheduled_at <= now))
               | (BroadcastRow.status == BroadcastStatus.SENDING.value))
        .order_by(BroadcastRow.scheduled_at, BroadcastRow.id))
    return [(int(i), int(w)) for i, w in rows]


def insert_recipients(session: Session, broadcast_id: int,
                      rows: Sequence[tuple[int, str]], at: datetime) -> set[int]:
    """Store (customer, arm) recipients; those already stored are skipped. The customers
    newly stored (driver-level bulk insert: one statement per chunk)."""
    added = bulk.insert_many_returning(
        session, recipients_t, ["broadcast_id", "customer_id", "arm", "entered_at"],
        [(broadcast_id, cid, arm, at) for cid, arm in rows], returning=["customer_id"],
        on_conflict_do_nothing=["broadcast_id", "customer_id"])
    return {int(r[0]) for r in added}


def recipients(session: Session, broadcast_id: int, *,
               chunk: int = 5000) -> Iterator[tuple[int, str, datetime]]:
    """Every (customer, arm, entered_at) of the broadcast, by customer, in pages."""
    r = BroadcastRecipientRow
    after = 0
    while True:
        page = list(session.execute(
            select(r.customer_id, r.arm, r.entered_at)
            .where(r.broadcast_id == broadcast_id, r.customer_id > after)
            .order_by(r.customer_id).limit(chunk)))
        if not page:
            return
        for cid, arm, at in page:
            yield int(cid), str(arm), at
        after = int(page[-1][0])


def arm_sizes(session: Session, broadcast_id: int) -> dict[str, int]:
    r = BroadcastRecipientRow
    return {str(a): int(n) for a, n in session.execute(
        select(r.arm, func.count()).where(r.broadcast_id == broadcast_id).group_by(r.arm)
        .order_by(r.arm))}
