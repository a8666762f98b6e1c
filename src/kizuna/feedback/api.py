"""Facade of the feedback domain: the voice-of-customer inbox and the closed loop.

Collecting domains (surveys, reviews, ideas) call :func:`record_feedback` in the same
transaction in which they store what the customer sent.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.errors import Invalid
from kizuna.feedback.contracts import FeedbackInput
from kizuna.feedback.tables import FeedbackItemRow
from kizuna.types import WorkspaceId

__all__ = ["record_feedback"]


def record_feedback(session: Session, workspace_id: WorkspaceId, item: FeedbackInput) -> int:
    """Add ``item`` to the inbox (or update the one with the same kind and ref); its id."""
    if item.anonymous and (item.customer_id is not None or item.received_at is not None):
        raise Invalid("Anonymous feedback carries neither a customer nor a time of day.",
                      field="anonymous")
    received_at = None if item.received_at is None else ensure_aware_utc(item.received_at)
    row = session.scalar(select(FeedbackItemRow).where(
        FeedbackItemRow.workspace_id == workspace_id, FeedbackItemRow.kind == item.kind,
        FeedbackItemRow.ref == item.ref))
    if row is None:
        row = FeedbackItemRow(workspace_id=workspace_id, kind=item.kind, ref=item.ref,
                              key_phrases=[], tags=[])
        session.add(row)
    row.customer_id = item.customer_id
    row.anonymous = item.anonymous
    row.score_kind = item.score_kind
    row.score = item.score
    row.text = item.text
    row.locale = item.locale
    row.subject = item.subject
    row.product_id = item.product_id
    row.category = item.category
    row.received_on = item.received_on
    row.received_at = received_at
    row.attributes = dict(item.attributes)
    session.flush()
    return int(row.id)
