"""Events that kizuna itself records on a customer's timeline (``Survey Responded``, …).

Other domains call :func:`record_customer_event` when something a customer did inside kizuna
(answered a survey, reviewed a product, voted for an idea) should be an event like any other:
on the timeline, in the analytic snapshot, usable by segments and journeys. The events come
from a per-workspace source named ``kizuna`` (kind ``internal``, created on first use, with a
write key nobody is shown) and are idempotent by ``message_id``: recording the same thing twice
stores one event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.ids import hash_secret, new_secret
from kizuna.ingest import store
from kizuna.ingest.tables import SourceRow
from kizuna.profiles.tables import CustomerRow
from kizuna.types import CustomerId, WorkspaceId

INTERNAL_SOURCE = "kizuna"


def _internal_source_id(session: Session, workspace_id: WorkspaceId, at: datetime) -> int:
    source_id = session.scalar(
        select(SourceRow.id).where(
            SourceRow.workspace_id == workspace_id,
            SourceRow.name == INTERNAL_SOURCE,
            SourceRow.kind == "internal",
        )
    )
    if source_id is not None:
        return int(source_id)
    key = new_secret("wk")  # never shown: internal events are not sent over HTTP
    row = SourceRow(workspace_id=workspace_id, name=INTERNAL_SOURCE, kind="internal",
                    write_key_hash=hash_secret(key), write_key_prefix=key[:8], created_at=at)
    session.add(row)
    session.flush()
    return int(row.id)


def record_customer_event(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    customer_id: CustomerId | int,
    event: str,
    properties: Mapping[str, Any],
    at: datetime,
    message_id: str,
) -> int | None:
    """Store a track event ``event`` for the customer, once per ``message_id``.

    Returns the new event's id, or ``None`` if an event with this ``message_id`` was already
    recorded. ``at`` is when it happened (aware); the customer's user id is copied onto the
    event so it reads like one sent by an SDK.
    """
    at = ensure_aware_utc(at)
    customer = session.get(CustomerRow, int(customer_id))
    if customer is None or customer.workspace_id != workspace_id:
        from kizuna.profiles.errors import CustomerNotFound

        raise CustomerNotFound(f"Customer {customer_id} does not exist.", customer_id=customer_id)
    while customer.merged_into_id is not None:
        merged = session.get(CustomerRow, customer.merged_into_id)
        if merged is None:
            break
        customer = merged
    row = {
        "workspace_id": workspace_id,
        "source_id": _internal_source_id(session, workspace_id, at),
        "message_id": message_id,
        "type": "track",
        "event": event,
        "name": None,
        "category": None,
        "user_id": customer.external_id,
        "anonymous_id": None,
        "previous_id": None,
        "group_id": None,
        "customer_id": customer.id,
        "timestamp": at,
        "original_timestamp": at,
        "sent_at": None,
        "received_at": at,
        "properties": store.encode_json(dict(properties)),
        "traits": None,
        "context": store.encode_json({"library": {"name": "kizuna", "version": "internal"}}),
        "integrations": None,
        "channel": "server",
        "version": None,
    }
    inserted = store.insert_events(session, [row])
    return inserted.get(message_id)
