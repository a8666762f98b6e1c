"""Facade of the ingest domain: sources, and (see ``logic``) Segment-spec messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kizuna.ingest.domain_events import record_customer_event
from kizuna.ingest.feed import FeedEvent, latest_event_id, read_feed
from kizuna.ingest.logic import ingest_messages, store_messages, validate
from kizuna.ingest.sources import (
    authenticate_write_key,
    create_source,
    find_source_by_name,
    find_source_by_write_key,
    list_sources,
)
from kizuna.ingest.timeline import list_timeline
from kizuna.types import CustomerId, WorkspaceId

__all__ = [
    "FeedEvent",
    "authenticate_write_key",
    "create_source",
    "find_source_by_name",
    "find_source_by_write_key",
    "ingest_messages",
    "latest_event_id",
    "list_sources",
    "list_timeline",
    "read_feed",
    "record_customer_event",
    "store_messages",
    "validate",
]


def events_named_since(
    session: Session, workspace_id: WorkspaceId, name: str, *, after_id: int, limit: int,
    scan: int = 50_000,
) -> tuple[list[tuple[int, str, CustomerId | None, datetime]], int]:
    """Track events called ``name`` stored after event id ``after_id``, in id order:
    (event id, message id, customer or None, timestamp), looking at most ``scan`` ids ahead;
    with the id up to which the search is complete (the next ``after_id``). For the loyalty
    programme's referral bonus."""
    from sqlalchemy import func, select

    from kizuna.ingest.tables import EventRow

    top = session.scalar(select(func.max(EventRow.id))) or 0
    upto = min(int(top), after_id + scan)
    rows = list(session.execute(
        select(EventRow.id, EventRow.message_id, EventRow.customer_id, EventRow.timestamp)
        .where(EventRow.workspace_id == workspace_id, EventRow.event == name,
               EventRow.id > after_id, EventRow.id <= upto)
        .order_by(EventRow.id).limit(limit)))
    found = [(int(i), str(m), CustomerId(c) if c else None, ts) for i, m, c, ts in rows]
    return found, (found[-1][0] if len(found) == limit else max(upto, after_id))
