"""Alerts about new follow-up tasks, delivered after the transaction that opened them.

``record_feedback`` only marks a new task ``alert_state='pending'`` (inside the caller's
transaction). :func:`deliver_pending_alerts` then, in short transactions of its own:

1. applies the follow-up policy (due time, default owner) and creates one delivery row per
   configured channel for each pending task;
2. claims due deliveries (``pending``, or ``failed`` with fewer than ``MAX_ATTEMPTS``);
3. sends them with no transaction open (SMTP / HTTP can be slow);
4. records each outcome: ``sent``, or ``failed`` with its error (retried on the next call).
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from kizuna.db.engine import transaction
from kizuna.errors import ConfigurationInvalid, NotFound
from kizuna.feedback import notifier
from kizuna.feedback.contracts import AlertDelivery, DeliveryReport, FollowupPolicy
from kizuna.feedback.loop import NEW_TASKS, apply_followup_policy
from kizuna.feedback.tables import AlertDeliveryRow, FeedbackItemRow, FeedbackTaskRow
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.types import CustomerId, WorkspaceId

MAX_ATTEMPTS = 5
BATCH = 100
STALE_CLAIM = timedelta(minutes=10)
EXCERPT_CHARS = 1000

_TEXT = {
    "en": {
        "subject": "[kizuna] Follow-up task #{id}: {reason}",
        "intro": "A customer needs a follow-up.",
        "customer": "Customer", "score": "Score", "comment": "Comment", "due": "Due",
        "owner": "Owner", "unassigned": "unassigned", "none": "(no comment)",
        "detractor": "detractor", "low_csat": "low CSAT", "hard_ces": "hard effort (CES)",
    },
    "ja": {
        "subject": "[kizuna] フォローアップ #{id}: {reason}",
        "intro": "フォローアップが必要なお客様がいます。",
        "customer": "お客様", "score": "スコア", "comment": "コメント", "due": "期限",
        "owner": "担当", "unassigned": "未割り当て", "none": "（コメントなし）",
        "detractor": "批判者", "low_csat": "低い満足度 (CSAT)", "hard_ces": "高い負担 (CES)",
    },
}


def policy_of(settings: Settings) -> FollowupPolicy:
    return FollowupPolicy(default_owner=settings.followup_default_owner,
                          due_hours=settings.followup_due_hours)


def _recipients(settings: Settings) -> list[str]:
    raw = settings.alert_email_to or ""
    return [notifier.header_safe(r) for r in raw.split(",") if r.strip()]


def _create_deliveries(session: Session, settings: Settings, now: datetime) -> int:
    tasks = list(session.scalars(select(FeedbackTaskRow).where(
        FeedbackTaskRow.alert_state == "pending").limit(1000)))
    targets: list[tuple[str, str]] = []
    if settings.smtp_url is not None and _recipients(settings):
        targets.append(("email", ", ".join(_recipients(settings))))
    if settings.alert_webhook_url:
        targets.append(("webhook", settings.alert_webhook_url))
    for task in tasks:
        for channel, target in targets:
            session.add(AlertDeliveryRow(
                workspace_id=task.workspace_id, task_id=task.id, channel=channel,
                target=target[:2000], message_id="msg_" + secrets.token_hex(12),
                status="pending", attempts=0, created_at=now))
        task.alert_state = "created"
    session.flush()
    return len(tasks)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Claimed:
    id: int
    channel: str
    target: str
    message_id: str
    attempts: int
    payload: dict[str, Any]


def _payload(session: Session, delivery: AlertDeliveryRow) -> dict[str, Any]:
    task = session.get_one(FeedbackTaskRow, delivery.task_id)
    item = session.get_one(FeedbackItemRow, task.item_id)
    customer_name = None
    if task.customer_id is not None:
        try:
            customer_name = profiles.get_customer(
                session, WorkspaceId(task.workspace_id), CustomerId(task.customer_id)
            ).display_name
        except NotFound:  # erased since: the alert still goes out, without a name
            customer_name = None
    return {
        "type": "feedback.followup_task.opened",
        "task_id": task.id, "workspace_id": task.workspace_id, "reason": task.reason,
        "status": task.status, "owner": task.owner_email,
        "opened_at": task.opened_at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "customer": {"id": task.customer_id, "name": customer_name},
        "feedback": {"id": item.id, "kind": item.kind, "ref": item.ref,
                     "score_kind": item.score_kind, "score": item.score,
                     "subject": item.subject, "text": item.text[:EXCERPT_CHARS],
                     "sentiment": item.sentiment_label, "theme": item.theme},
    }


def _claim(session: Session, now: datetime) -> list[_Claimed]:
    due = or_(
        AlertDeliveryRow.status.in_(("pending", "failed")),
        (AlertDeliveryRow.status == "sending") & (AlertDeliveryRow.last_attempt_at
                                                  < now - STALE_CLAIM),
    )
    rows = list(session.scalars(select(AlertDeliveryRow).where(
        due, AlertDeliveryRow.attempts < MAX_ATTEMPTS).order_by(AlertDeliveryRow.id).limit(BATCH)))
    claimed = []
    for row in rows:
        won = session.execute(
            update(AlertDeliveryRow)
            .where(AlertDeliveryRow.id == row.id, AlertDeliveryRow.attempts == row.attempts)
            .values(status="sending", attempts=row.attempts + 1, last_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(won, "rowcount", 0) == 1:
            claimed.append(_Claimed(id=row.id, channel=row.channel, target=row.target,
                                    message_id=row.message_id, attempts=row.attempts + 1,
                                    payload=_payload(session, row)))
    return claimed


def email_parts(payload: dict[str, Any], locale: str) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of the alert; the subject has no customer text."""
    t = _TEXT.get(locale, _TEXT["en"])
    fb = payload["feedback"]
    reason = t.get(payload["reason"], payload["reason"])
    subject = t["subject"].format(id=payload["task_id"], reason=reason)
    rows = [
        (t["customer"], payload["customer"]["name"] or f"#{payload['customer']['id']}"),
        (t["score"], f"{fb['score_kind']} {fb['score']}"),
        (t["due"], payload["due_at"] or "-"),
        (t["owner"], payload["owner"] or t["unassigned"]),
        (t["comment"], fb["text"] or t["none"]),
    ]
    text_body = t["intro"] + "\n\n" + "\n".join(f"{k}: {v}" for k, v in rows) + "\n"
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in rows)
    html_body = (f"<!doctype html><html lang=\"{locale}\"><body><p>{html.escape(t['intro'])}"
                 f"</p><table>{cells}</table></body></html>")
    return subject, text_body, html_body


def _send(settings: Settings, c: _Claimed, now: datetime) -> notifier.SendOutcome:
    if c.channel == "email":
        if settings.smtp_url is None:
            return notifier.SendOutcome(False, "KIZUNA_SMTP_URL is not set")
        recipients = [r.strip() for r in c.target.split(",") if r.strip()]
        subject, text_body, html_body = email_parts(c.payload, settings.default_locale)
        msg = notifier.build_email(
            sender=settings.alert_email_from or "kizuna@localhost", recipients=recipients,
            subject=subject, text_body=text_body, html_body=html_body)
        try:
            target = notifier.parse_smtp_url(settings.smtp_url.get_secret_value())
        except ConfigurationInvalid as exc:
            return notifier.SendOutcome(False, str(exc))
        return notifier.send_email(target, msg, recipients)
    body = orjson.dumps({"type": c.payload["type"], "timestamp": now.isoformat(),
                         "data": c.payload})
    secret = settings.alert_webhook_secret
    return notifier.post_webhook(
        c.target, body, message_id=c.message_id, timestamp=int(now.timestamp()),
        secret=secret.get_secret_value() if secret else None,
        allowed=notifier.allowed_hosts(settings.webhook_allowed_hosts))


def take_new_task_hint() -> bool:
    """True (once) if this process opened a follow-up task since the last call."""
    if NEW_TASKS.is_set():
        NEW_TASKS.clear()
        return True
    return False


def deliver_pending_alerts(runtime: Runtime) -> DeliveryReport:
    """Send the alerts of new follow-up tasks; call it after the transaction commits."""
    settings, now = runtime.settings, runtime.clock.now()
    with transaction(runtime.sessions) as session:
        apply_followup_policy(session, None, policy_of(settings))
        _create_deliveries(session, settings, now)
    with transaction(runtime.sessions) as session:
        claimed = _claim(session, now)
    sent = failed = gave_up = 0
    for c in claimed:
        outcome = _send(settings, c, runtime.clock.now())
        with transaction(runtime.sessions) as session:
            row = session.get_one(AlertDeliveryRow, c.id)
            if outcome.ok:
                row.status, row.error, row.sent_at = "sent", None, runtime.clock.now()
                sent += 1
            else:
                row.status, row.error = "failed", (outcome.error or "failed")[:1000]
                failed += 1
                gave_up += c.attempts >= MAX_ATTEMPTS
    return DeliveryReport(sent=sent, failed=failed, gave_up=gave_up)


def list_deliveries(
    session: Session, workspace_id: WorkspaceId, *, task_id: int | None = None, limit: int = 100
) -> list[AlertDelivery]:
    """Alert deliveries, newest first (optionally of one task)."""
    q = select(AlertDeliveryRow).where(AlertDeliveryRow.workspace_id == workspace_id)
    if task_id is not None:
        q = q.where(AlertDeliveryRow.task_id == task_id)
    return [
        AlertDelivery(id=r.id, task_id=r.task_id, channel=r.channel, target=r.target,
                      status=r.status, error=r.error, attempts=r.attempts,
                      created_at=r.created_at, sent_at=r.sent_at)
        for r in session.scalars(q.order_by(AlertDeliveryRow.id.desc()).limit(limit))
    ]
