"""Events that kizuna itself records on a customer's timeline (``Survey Responded``, …).

Other domains call :func:`record_customer_event` when something a customer did inside kizuna
(answered a survey, reviewed a product, voted for an idea) should be an event like any other:
on the timeline, in the analytic snapshot, usable by segments and journeys. The events come
from a per-workspace source named ``kizuna`` (kind ``internal``, created on first use, with a
write key nobody is shown) and are idempotent by ``message_id``: recording the same thing twice
stores one event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def record_customer_events(
    session: Session,
    workspace_id: WorkspaceId,
    items: Sequence[tuple[int, str, Mapping[str, Any], str]],
    *,
    at: datetime,
) -> dict[str, int]:
    """Many :func:`record_customer_event` at once: ``items`` are (customer id, event,
    properties, message id) with distinct message ids; one source lookup and one insert.
    Returns ``{message_id: event id}`` of the newly stored (already recorded ones are left
    out). Customers that do not exist in the workspace are skipped."""
    if not items:
        return {}
    at = ensure_aware_utc(at)
    source_id = _internal_source_id(session, workspace_id, at)
    context = store.encode_json({"library": {"name": "kizuna", "version": "internal"}})
    inserted: dict[str, int] = {}
    for start in range(0, len(items), _CHUNK):  # bounded statements and memory (1 M members)
        chunk = items[start:start + _CHUNK]
        customers = _customers(session, workspace_id, {int(cid) for cid, _, _, _ in chunk})
        out: list[dict[str, Any]] = []
        for cid, event, properties, message_id in chunk:
            customer = customers.get(int(cid))
            if customer is None:
                continue
            user_id, survivor = customer
            out.append({
                "workspace_id": workspace_id, "source_id": source_id,
                "message_id": message_id, "type": "track", "event": event, "name": None,
                "category": None, "user_id": user_id, "anonymous_id": None,
                "previous_id": None, "group_id": None, "customer_id": survivor,
                "timestamp": at, "original_timestamp": at, "sent_at": None, "received_at": at,
                "properties": store.encode_json(dict(properties)), "traits": None,
                "context": context, "integrations": None, "channel": "server",
                "version": None,
            })
        inserted.update(store.insert_events(session, out))
    return inserted


_CHUNK = 2000


def _customers(session: Session, workspace_id: WorkspaceId,
               ids: set[int]) -> dict[int, tuple[str | None, int]]:
    """``{id: (external id, survivor id)}`` of the workspace's customers among ``ids``,
    following profile merges to the surviving profile."""
    from kizuna.db.dialect import in_values

    found = {int(i): (ext, merged) for i, ext, merged in session.execute(
        select(CustomerRow.id, CustomerRow.external_id, CustomerRow.merged_into_id)
        .where(in_values(session, CustomerRow.id, sorted(ids)),
               CustomerRow.workspace_id == workspace_id))}
    out: dict[int, tuple[str | None, int]] = {}
    for cid, (ext, merged) in found.items():
        survivor, user_id = cid, ext
        seen = {cid}
        while merged is not None and merged not in seen:
            row = session.get(CustomerRow, merged)
            if row is None:
                break
            seen.add(merged)
            survivor, user_id, merged = int(row.id), row.external_id, row.merged_into_id
        out[cid] = (user_id, survivor)
    return out
