"""The event feed: stored events in id order, for consumers that react to them (journeys,
incremental segments).

:func:`read_feed` returns events stored after an id. Consumers keep their own position (see
``kizuna.dispatch``); on PostgreSQL ids can become visible out of order (a transaction that
took id 100 may commit after the one that took 101, and ``ON CONFLICT DO NOTHING`` burns ids),
so a consumer must not assume the feed has no gaps: ``kizuna.dispatch`` waits for a gap for a
bounded time before moving past it. Reacting twice to the same event must be harmless
(consumers are idempotent by event id).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kizuna.ingest.tables import EventRow


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One stored event as feed consumers see it (``type`` is track / identify / page …)."""

    id: int
    workspace_id: int
    message_id: str
    type: str
    event: str | None
    customer_id: int | None
    timestamp: datetime
    received_at: datetime
    properties: Mapping[str, Any] = field(default_factory=dict)
    traits: Mapping[str, Any] = field(default_factory=dict)


def _doc(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, (str, bytes)):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
    return value if isinstance(value, Mapping) else {}


def read_feed(session: Session, *, after_id: int, limit: int = 1000,
              workspace_id: int | None = None,
              ids: Collection[int] | None = None) -> list[FeedEvent]:
    """Up to ``limit`` events with id > ``after_id``, in id order (all workspaces unless one
    is given). Properties and traits come decoded."""
    query = (select(EventRow.id, EventRow.workspace_id, EventRow.message_id, EventRow.type,
                    EventRow.event, EventRow.customer_id, EventRow.timestamp,
                    EventRow.received_at, EventRow.properties, EventRow.traits)
             .where(EventRow.id > after_id).order_by(EventRow.id).limit(max(1, limit)))
    if workspace_id is not None:
        query = query.where(EventRow.workspace_id == workspace_id)
    if ids is not None:
        query = query.where(EventRow.id.in_(list(ids)))
    return [FeedEvent(id=int(r[0]), workspace_id=int(r[1]), message_id=str(r[2]), type=str(r[3]),
                      event=r[4], customer_id=int(r[5]) if r[5] is not None else None,
                      timestamp=r[6], received_at=r[7], properties=_doc(r[8]),
                      traits=_doc(r[9]))
            for r in session.execute(query)]


def read_feed_ids(session: Session, ids: Collection[int]) -> list[FeedEvent]:
    """The events with these ids that are visible now, in id order (for a consumer that
    saw a gap in the ids and looks whether the missing ones have committed since)."""
    wanted = sorted(set(ids))
    found: list[FeedEvent] = []
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found.extend(read_feed(session, after_id=chunk[0] - 1, limit=len(chunk), ids=chunk))
    return found


def latest_event_id(session: Session) -> int:
    """The highest event id stored (0 when there are none): where a new consumer starts."""
    return int(session.scalar(select(func.max(EventRow.id))) or 0)
