"""Facade of the feedback domain: the voice-of-customer inbox and the closed loop.

Collecting domains (surveys, reviews, ideas) call :func:`record_feedback` in the same
transaction in which they store what the customer sent. It analyses the text (sentiment,
key phrases) and, for a known customer's detractor / low CSAT / hard CES answer, opens a
follow-up task. Alerts about new tasks are sent by :func:`deliver_pending_alerts` *after*
that transaction commits (adapters call it; nothing slow runs inside the transaction).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.errors import Invalid
from kizuna.feedback import inbox, loop
from kizuna.feedback.alerts import (
    deliver_pending_alerts,
    email_parts,
    list_deliveries,
    policy_of,
    take_new_task_hint,
)
from kizuna.feedback.contracts import FeedbackInput
from kizuna.feedback.inbox import (
    get_item,
    key_drivers,
    list_feedback,
    list_tags,
    normalise_tag,
    refresh_themes,
    tag_feedback,
    theme_summaries,
)
from kizuna.feedback.loop import (
    UNCHANGED,
    apply_followup_policy,
    closed_loop_stats,
    followup_reason,
    get_task,
    list_tasks,
    period_bounds,
    update_task,
    wilson_interval,
)
from kizuna.feedback.tables import FeedbackItemRow, FeedbackTaskRow
from kizuna.types import WorkspaceId

__all__ = [
    "UNCHANGED",
    "apply_followup_policy",
    "closed_loop_stats",
    "deliver_pending_alerts",
    "email_parts",
    "followup_reason",
    "get_item",
    "get_task",
    "key_drivers",
    "list_deliveries",
    "list_feedback",
    "list_tags",
    "list_tasks",
    "normalise_tag",
    "period_bounds",
    "policy_of",
    "record_feedback",
    "refresh_themes",
    "tag_feedback",
    "take_new_task_hint",
    "theme_summaries",
    "update_task",
    "wilson_interval",
    "withdraw_feedback",
]


def record_feedback(session: Session, workspace_id: WorkspaceId, item: FeedbackInput) -> int:
    """Add ``item`` to the inbox (or update the one with the same kind and ref); its id.

    Non-empty text is analysed (sentiment, label, key phrases) when it is new or changed.
    A known (non-anonymous) customer's NPS/eNPS 0–6, CSAT ≤ 2 or CES ≥ 5 opens one follow-up
    task for the item (never twice); its alert waits for :func:`deliver_pending_alerts`.
    """
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
        text_changed = True
    else:
        text_changed = row.text != item.text or row.locale != item.locale
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
    inbox.enrich(row, text_changed)
    session.flush()
    loop.open_task_for(session, row)
    return int(row.id)


def withdraw_feedback(session: Session, workspace_id: WorkspaceId, *, kind: str, ref: str) -> bool:
    """Take an item out of the inbox, e.g. a review that moderation rejected (spam, offensive,
    personal data): its text must not stay in the inbox, its themes or its key phrases.

    An item with a follow-up task keeps its row (the task's history refers to it) but loses
    its text and analysis and is tagged ``withdrawn``; any other item is deleted. Returns
    whether there was anything to withdraw. Recording the item again brings it back.
    """
    row = session.scalar(select(FeedbackItemRow).where(
        FeedbackItemRow.workspace_id == workspace_id, FeedbackItemRow.kind == kind,
        FeedbackItemRow.ref == ref))
    if row is None:
        return False
    has_task = session.scalar(select(FeedbackTaskRow.id).where(
        FeedbackTaskRow.item_id == row.id)) is not None
    if has_task:
        row.text, row.key_phrases, row.attributes = "", [], {}
        row.sentiment = row.sentiment_label = row.theme = None
        row.tags = sorted({*(row.tags or []), "withdrawn"})
    else:
        session.delete(row)
    session.flush()
    return True
