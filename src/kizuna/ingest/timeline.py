"""A customer's timeline: their events (including those from before they identified, which
moved to the profile when it merged) and the merge records, newest first, by cursor."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kizuna.clock import as_utc
from kizuna.errors import Invalid
from kizuna.ingest.contracts import TimelinePage
from kizuna.ingest.tables import EventRow
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import TimelineEntry
from kizuna.types import CustomerId, WorkspaceId


class CursorInvalid(Invalid):
    """The timeline cursor is not one kizuna issued; start again without `cursor`."""

    code = "cursor-invalid"


def _encode(at: datetime, event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{event_id}".encode()).decode()


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        at_text, id_text = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return as_utc(datetime.fromisoformat(at_text)), int(id_text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorInvalid(field="cursor") from exc


def _entry(row: EventRow) -> TimelineEntry:
    return TimelineEntry(
        kind="event", at=row.timestamp, id=row.id, type=row.type, event=row.event,
        name=row.name, properties=row.properties, traits=row.traits, user_id=row.user_id,
        anonymous_id=row.anonymous_id, source_id=row.source_id, message_id=row.message_id,
    )


def list_timeline(
    session: Session,
    workspace_id: WorkspaceId,
    customer_id: CustomerId,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> TimelinePage:
    customer = profiles.get_customer(session, workspace_id, customer_id)
    limit = min(max(1, limit), 500)
    query = select(EventRow).where(
        EventRow.workspace_id == workspace_id, EventRow.customer_id == customer.id
    )
    upper: tuple[datetime, int] | None = None
    if cursor:
        upper = _decode(cursor)
        query = query.where(or_(EventRow.timestamp < upper[0],
                                and_(EventRow.timestamp == upper[0], EventRow.id < upper[1])))
    rows = list(session.scalars(
        query.order_by(EventRow.timestamp.desc(), EventRow.id.desc()).limit(limit + 1)
    ))
    more = len(rows) > limit
    rows = rows[:limit]
    lower = rows[-1].timestamp if (more and rows) else None
    merges = [
        m for m in profiles.list_merges(session, workspace_id, customer.id)
        if (upper is None or m.at < upper[0]) and (lower is None or m.at >= lower)
    ]
    entries = sorted([*(_entry(r) for r in rows), *merges],
                     key=lambda e: (e.at, e.kind == "merge", e.id), reverse=True)
    next_cursor = _encode(rows[-1].timestamp, rows[-1].id) if more else None
    return TimelinePage(entries=entries, next_cursor=next_cursor)
