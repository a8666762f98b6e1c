"""Ingest Segment-spec messages: validate all, store each once, then derive what they mean.

A request is all-or-nothing (docs/decisions/0001-batches-are-all-or-nothing.md): every
message is validated before anything is written; one bad message rejects the request with
the index and field of every problem, and nothing is stored. A retried request is safe:
events are unique per (source, messageId), and only newly stored events have side effects
(identify traits, alias merges, orders, product upserts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderRecord, ProductUpsert
from kizuna.ingest import commerce_events, parser, store
from kizuna.ingest.contracts import IngestOutcome, Message, Source
from kizuna.ingest.errors import PayloadInvalid
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.types import CustomerId


def validate(
    messages: Sequence[Any],
    *,
    received_at: datetime,
    sent_at: Any = None,
    forced_type: str | None = None,
    max_event_bytes: int | None = None,
    check_nul: bool = True,
) -> list[Message]:
    """Parse every message; raise :class:`PayloadInvalid` listing all problems if any."""
    parsed, errors = parser.parse_messages(
        messages,
        received_at=received_at,
        sent_at=sent_at,
        forced_type=forced_type,
        max_event_bytes=max_event_bytes,
        check_nul=check_nul,
    )
    if errors:
        raise PayloadInvalid([e.as_dict() for e in errors])
    return parsed


def ingest_messages(
    session: Session,
    *,
    source: Source,
    messages: Sequence[Mapping[str, Any]],
    received_at: datetime,
    sent_at: str | None = None,
    forced_type: str | None = None,
    max_event_bytes: int | None = None,
    check_nul: bool = True,
) -> IngestOutcome:
    """Validate, store and apply the messages of one request (see the module docstring).

    ``forced_type`` is set by single-message endpoints (``/v1/track`` …). ``max_event_bytes``
    enables the per-message size check. ``check_nul=False`` skips the scan for U+0000 in
    documents when the caller knows the raw body holds none.
    """
    parsed = validate(
        messages,
        received_at=received_at,
        sent_at=sent_at,
        forced_type=forced_type,
        max_event_bytes=max_event_bytes,
        check_nul=check_nul,
    )
    return store_messages(session, source=source, messages=parsed, received_at=received_at)


def store_messages(
    session: Session,
    *,
    source: Source,
    messages: Sequence[Message],
    received_at: datetime,
    rows: Sequence[dict[str, Any]] | None = None,
) -> IngestOutcome:
    """Store validated messages once each and apply the side effects of the new ones.

    ``rows`` may carry ``store.event_row(source, m, None)`` of each message, built beforehand
    (outside the transaction: JSON encoding is the costly part).
    """
    inserted = store_new(session, source=source, messages=messages, received_at=received_at,
                         rows=rows)  # fmt: skip
    return IngestOutcome(accepted=len(inserted), duplicates=len(messages) - len(inserted))


def store_new(
    session: Session,
    *,
    source: Source,
    messages: Sequence[Message],
    received_at: datetime,
    rows: Sequence[dict[str, Any]] | None = None,
) -> dict[str, int]:
    """Like :func:`store_messages`; returns ``{message_id: event id}`` of the newly stored."""
    if not messages:
        return {}
    if rows is None:
        rows = [store.event_row(source, m, None) for m in messages]
    unique: dict[str, int] = {}
    for i, message in enumerate(messages):
        unique.setdefault(message.message_id, i)
    batch = [messages[i] for i in unique.values()]
    batch_rows = [rows[i] for i in unique.values()]
    workspace_id = source.workspace_id

    refs = [
        IdentityRef(user_id=m.user_id, anonymous_id=None if m.type == "alias" else m.anonymous_id)
        for m in batch
    ]
    seen_at = [min(m.timestamp, received_at) for m in batch]
    customer_ids = profiles.resolve_customers(
        session, workspace_id, refs, received_at, seen_at=seen_at
    )
    for row, customer_id in zip(batch_rows, customer_ids, strict=True):
        row["customer_id"] = customer_id
    inserted = store.insert_events(session, batch_rows)
    if inserted:
        _apply(session, source, batch, customer_ids, inserted, received_at)
    return inserted


def _apply(
    session: Session,
    source: Source,
    batch: Sequence[Message],
    customer_ids: Sequence[CustomerId],
    inserted: Mapping[str, int],
    received_at: datetime,
) -> None:
    """Side effects of newly stored messages, in an order that keeps references valid:
    products, traits, orders, cancellations, then alias merges (which move rows along)."""
    workspace_id = source.workspace_id
    products: list[ProductUpsert] = []
    orders: list[OrderRecord] = []
    cancels: list[tuple[str, datetime]] = []
    traits: list[tuple[CustomerId, dict[str, Any], datetime]] = []
    aliases: list[Message] = []
    for message, customer_id in zip(batch, customer_ids, strict=True):
        event_id = inserted.get(message.message_id)
        if event_id is None:
            continue  # a duplicate: its effects were applied when it was first stored
        if message.type == "identify":
            if message.traits:
                traits.append((customer_id, message.traits, message.timestamp))
        elif message.type == "alias":
            aliases.append(message)
        elif message.type == "track" and message.event:
            props = message.properties or {}
            products.extend(commerce_events.products_of(message.event, props))
            order = commerce_events.order_of(message, props, customer_id, event_id)
            if order is not None:
                orders.append(order)
            cancelled = commerce_events.cancelled_order_of(message.event, props)
            if cancelled is not None:
                cancels.append((cancelled, message.timestamp))
    if products:
        commerce.upsert_products(session, workspace_id, _merge_products(products), received_at)
    for customer_id, values, at in traits:
        profiles.apply_traits(session, workspace_id, customer_id, values, at)
    if orders:
        commerce.record_orders(session, workspace_id, orders, received_at)
    for external_id, at in cancels:
        commerce.cancel_order(session, workspace_id, external_id, at)
    for message in aliases:
        assert message.previous_id is not None and message.user_id is not None
        if message.previous_id != message.user_id:
            profiles.alias(
                session,
                workspace_id,
                previous_id=message.previous_id,
                user_id=message.user_id,
                at=message.timestamp,
            )


def _merge_products(products: Sequence[ProductUpsert]) -> list[ProductUpsert]:
    """One description per product: later events fill in or override earlier fields."""
    merged: dict[str, ProductUpsert] = {}
    for product in products:
        known = merged.get(product.external_id)
        if known is None:
            merged[product.external_id] = product
            continue
        changes = {
            name: getattr(product, name)
            for name in (
                "sku",
                "name",
                "category",
                "brand",
                "price",
                "currency",
                "url",
                "image_url",
            )
            if getattr(product, name) is not None
        }
        merged[product.external_id] = replace(
            known, **changes, attributes={**known.attributes, **product.attributes}
        )
    return list(merged.values())
