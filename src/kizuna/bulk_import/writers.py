"""Writing one batch through the other domains' facades, in its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kizuna.bulk_import.customers import ConsentDraft
from kizuna.bulk_import.orders import OrderDraft
from kizuna.bulk_import.readers import Row
from kizuna.clock import Clock
from kizuna.commerce import api as commerce
from kizuna.commerce.contracts import OrderLine, OrderRecord, ProductUpsert
from kizuna.db.engine import transaction
from kizuna.errors import Invalid
from kizuna.ingest import api as ingest
from kizuna.ingest.contracts import Source
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.types import CustomerId, WorkspaceId

IMPORT_SOURCE = "import"


@dataclass(slots=True)
class BatchContext:
    sessions: sessionmaker[Session]
    workspace_id: WorkspaceId
    clock: Clock
    # products already upserted by this run: each is described once per run (its first row),
    # so a catalogue of 500 products is not rewritten in every batch
    products_seen: set[str] = field(default_factory=set)


def write_orders(ctx: BatchContext, drafts: Sequence[OrderDraft]) -> tuple[int, int]:
    """Store a batch of orders; returns (written, skipped as already present)."""
    at = ctx.clock.now()
    ws = ctx.workspace_id
    with transaction(ctx.sessions) as session:
        ordered: dict[str, tuple[datetime, datetime]] = {}
        for d in drafts:
            if d.customer_key is not None:
                first, last = ordered.get(d.customer_key, (d.placed_at, d.placed_at))
                ordered[d.customer_key] = (min(first, d.placed_at), max(last, d.placed_at))
        by_key = (
            profiles.ensure_customers_by_external_id(
                session, ws, ordered, at, seen_at=ordered
            )
            if ordered
            else {}
        )
        emails = sorted({d.email for d in drafts if d.customer_key is None and d.email})
        by_email: dict[str, CustomerId] = {}
        if emails:
            ids = profiles.upsert_customers(
                session, ws, [CustomerUpsert(email=e) for e in emails], at
            )
            by_email = dict(zip(emails, ids, strict=True))
        products: dict[str, ProductUpsert] = {}
        for d in drafts:
            for ln in d.lines:
                pid = ln.product_id
                if pid is not None and pid not in ctx.products_seen and pid not in products:
                    products[pid] = ProductUpsert(
                        external_id=pid,
                        name=ln.name,
                        category=ln.category,
                        price=ln.unit_price,
                        currency=d.currency,
                    )
        if products:
            commerce.upsert_products(session, ws, list(products.values()), at)
            ctx.products_seen.update(products)
        records = [
            OrderRecord(
                external_id=d.external_id,
                customer_id=by_key.get(d.customer_key)
                if d.customer_key is not None
                else by_email.get(d.email or ""),
                placed_at=d.placed_at,
                total=d.total,
                status=d.final_status,
                currency=d.currency,
                channel=d.channel,
                origin="import",
                lines=tuple(
                    OrderLine(
                        product_external_id=ln.product_id,
                        quantity=ln.quantity,
                        amount=ln.amount,
                        unit_price=ln.unit_price,
                        sku=ln.product_id,
                        name=ln.name,
                        category=ln.category,
                    )
                    for ln in d.lines
                ),
            )
            for d in drafts
        ]
        outcome = commerce.record_orders(session, ws, records, at)
    return outcome.written, outcome.skipped


def write_customers(
    ctx: BatchContext, batch: Sequence[tuple[Row, tuple[CustomerUpsert, list[ConsentDraft]]]]
) -> tuple[int, int, list[tuple[Row, str]]]:
    """Upsert a batch of customers; returns (created, matched existing, rejected rows)."""
    at = ctx.clock.now()
    ws = ctx.workspace_id
    with transaction(ctx.sessions) as session:
        before = profiles.count_customers(session, ws)
        upserts = [u for _, (u, _) in batch]
        ids = profiles.upsert_customers(session, ws, upserts, at)
        created = profiles.count_customers(session, ws) - before
        for cid, (_, (_, consents)) in zip(ids, batch, strict=True):
            if consents:
                _record_consents(session, ws, cid, consents, at)
    return created, len(batch) - created, []


def _record_consents(
    session: Session,
    ws: WorkspaceId,
    cid: CustomerId,
    consents: Sequence[ConsentDraft],
    at: Any,
) -> None:
    latest = {(c.channel, c.purpose): c for c in profiles.list_consents(session, ws, cid)}
    for consent in consents:
        status = "granted" if consent.granted else "withdrawn"
        known = latest.get((consent.channel, "marketing"))
        when = consent.at or at
        if (
            known is not None
            and known.status == status
            and (consent.at is None or known.recorded_at >= when)
        ):
            continue  # already recorded (re-import) or superseded by a newer record
        profiles.record_consent(
            session,
            ws,
            cid,
            channel=consent.channel,
            purpose="marketing",
            status=status,
            method="import",
            wording=None,
            at=when,
        )


def import_source(ctx: BatchContext) -> Source:
    """The source named "import" (kind "import"), created on first use."""
    with transaction(ctx.sessions) as session:
        source = ingest.find_source_by_name(session, ctx.workspace_id, IMPORT_SOURCE)
        if source is None:
            source = ingest.create_source(
                session,
                workspace_id=ctx.workspace_id,
                name=IMPORT_SOURCE,
                clock=ctx.clock,
                kind="import",
            ).source
    return source


def write_events(
    ctx: BatchContext, source: Source, batch: Sequence[tuple[Row, dict[str, Any]]]
) -> tuple[int, int, list[tuple[Row, str]]]:
    """Ingest a batch of messages; returns (stored, duplicates, rejected rows).

    Ingest is all-or-nothing per call: when it refuses some messages (listing their index),
    those rows are rejected with its reason and the rest are sent again.
    """
    at = ctx.clock.now()
    remaining = list(batch)
    rejected: list[tuple[Row, str]] = []
    while remaining:
        try:
            with transaction(ctx.sessions) as session:
                outcome = ingest.ingest_messages(
                    session, source=source, messages=[m for _, m in remaining], received_at=at
                )
        except Invalid as exc:
            problems: dict[int, list[str]] = {}
            for err in exc.fields.get("errors") or []:
                index = err.get("index")
                if isinstance(index, int) and 0 <= index < len(remaining):
                    problems.setdefault(index, []).append(
                        f"{err.get('field', '')}: {err.get('message', '')}".strip(": ")
                    )
            if not problems:  # no per-message detail: reject the whole batch with the reason
                problems = {i: [str(exc)] for i in range(len(remaining))}
            rejected += [(remaining[i][0], "; ".join(msgs)) for i, msgs in problems.items()]
            remaining = [item for i, item in enumerate(remaining) if i not in problems]
            continue
        return outcome.accepted, outcome.duplicates, rejected
    return 0, 0, rejected
