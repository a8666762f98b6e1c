"""Facade of the ingest domain: sources, and (see ``logic``) Segment-spec messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from kizuna.ingest.domain_events import record_customer_event, record_customer_events
from kizuna.ingest.feed import FeedEvent, latest_event_id, read_feed, read_feed_ids
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
    "read_feed_ids",
    "record_customer_event",
    "record_customer_events",
    "store_messages",
    "validate",
    "windows_with_event",
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


def windows_with_event(
    session: Session, workspace_id: WorkspaceId, name: str,
    windows: Sequence[tuple[int, int, datetime, datetime]],
) -> set[int]:
    """The keys of the windows ``(key, customer_id, start, end)`` in which the customer has a
    track event called ``name`` with a timestamp in ``[start, end)``. One statement per chunk
    of windows (a :func:`kizuna.db.rowset.rowset` with an EXISTS on the (customer, timestamp)
    index): experiments' goal events."""
    from sqlalchemy import exists, select

    from kizuna.db.rowset import rowset
    from kizuna.ingest.tables import EventRow

    found: set[int] = set()
    for first in range(0, len(windows), 5000):
        w = rowset(session, "w", [("k", "int"), ("cid", "int"), ("start_at", "time"),
                                  ("end_at", "time")], windows[first:first + 5000])
        hit = exists().where(EventRow.customer_id == w.c.cid,
                             EventRow.timestamp >= w.c.start_at,
                             EventRow.timestamp < w.c.end_at,
                             EventRow.workspace_id == workspace_id,
                             EventRow.type == "track", EventRow.event == name)
        found.update(int(k) for k in session.scalars(select(w.c.k).where(hit)))
    return found
