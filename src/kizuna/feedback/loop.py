"""The closed loop: follow-up tasks for unhappy customers, their history, and how well the
loop is closed (share contacted, time to contact)."""

from __future__ import annotations

import math
import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.errors import ConfigurationInvalid, Invalid
from kizuna.feedback.contracts import (
    TASK_STATUSES,
    ClosedLoopStats,
    FollowupPolicy,
    FollowupTask,
    TaskNote,
    TaskPage,
)
from kizuna.feedback.errors import FollowupTaskNotFound, TaskChangeInvalid
from kizuna.feedback.inbox import NPS_KINDS, to_item
from kizuna.feedback.tables import FeedbackItemRow, FeedbackTaskNoteRow, FeedbackTaskRow
from kizuna.types import CustomerId, WorkspaceId

MAX_NOTE_CHARS: Final = 5000
#: Set when a transaction that opened a task committed in this process: a hint for adapters
#: that alerts may be waiting (``alerts.take_new_task_hint``). The database is the truth.
NEW_TASKS: Final = threading.Event()
_HINT_KEY: Final = "kizuna.feedback.new_tasks"
UNCHANGED: Final = "\x00unchanged"
REASONS: Final = ("detractor", "low_csat", "hard_ces")
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,200}@[^@\s<>\"',;]{1,118}$")


def followup_reason(score_kind: str | None, score: int | None) -> str | None:
    """Why an answer needs a follow-up: NPS/eNPS 0–6, CSAT ≤ 2, CES ≥ 5 (1–7); else None."""
    if score is None or score_kind is None:
        return None
    if score_kind in NPS_KINDS and 0 <= score <= 6:
        return "detractor"
    if score_kind == "csat" and 1 <= score <= 2:
        return "low_csat"
    if score_kind == "ces" and 5 <= score <= 7:
        return "hard_ces"
    return None


def normalise_owner(raw: str | None) -> str | None:
    """An owner email, lower-cased; empty means unassigned."""
    if raw is None or not raw.strip():
        return None
    email = raw.strip().lower()
    if not _EMAIL.match(email):
        raise TaskChangeInvalid(
            f"{raw[:80]!r} is not an email address; assign the task to a dashboard user's email.",
            field="owner",
        )
    return email


def open_task_for(session: Session, row: FeedbackItemRow) -> bool:
    """Open the follow-up task of ``row`` if it needs one and has none yet; True if opened."""
    if row.anonymous or row.customer_id is None:
        return False
    reason = followup_reason(row.score_kind, row.score)
    if reason is None:
        return False
    if session.scalar(select(FeedbackTaskRow.id).where(FeedbackTaskRow.item_id == row.id)):
        return False
    opened = row.received_at or datetime.now(UTC)
    task = FeedbackTaskRow(
        workspace_id=row.workspace_id, item_id=row.id, customer_id=row.customer_id,
        reason=reason, status="open", owner_email=None, opened_at=opened, due_at=None,
        updated_at=opened, alert_state="pending",
    )
    session.add(task)
    session.flush()
    session.add(FeedbackTaskNoteRow(task_id=task.id, kind="opened", body=reason, author=None,
                                    at=opened))
    if not session.info.get(_HINT_KEY):  # hint the adapters once the task is committed
        session.info[_HINT_KEY] = True
        event.listen(session, "after_commit", _hint_after_commit, once=True)
    return True


def _hint_after_commit(session: Session) -> None:
    session.info.pop(_HINT_KEY, None)
    NEW_TASKS.set()


def apply_followup_policy(
    session: Session, workspace_id: WorkspaceId | None, policy: FollowupPolicy
) -> int:
    """Give new tasks their due time and default owner (once); the number of tasks set."""
    q = select(FeedbackTaskRow).where(FeedbackTaskRow.due_at.is_(None))
    if workspace_id is not None:
        q = q.where(FeedbackTaskRow.workspace_id == workspace_id)
    rows = list(session.scalars(q.limit(5000)))
    try:
        owner = normalise_owner(policy.default_owner) if policy.default_owner else None
    except TaskChangeInvalid:
        raise ConfigurationInvalid(
            f"KIZUNA_FOLLOWUP_DEFAULT_OWNER has value {policy.default_owner!r}: set the email "
            "of a dashboard user, or leave it unset.") from None
    for row in rows:
        row.due_at = row.opened_at + timedelta(hours=policy.due_hours)
        if row.owner_email is None and owner is not None:
            row.owner_email = owner
            session.add(FeedbackTaskNoteRow(task_id=row.id, kind="assign", body=owner,
                                            author=None, at=row.opened_at))
    session.flush()
    return len(rows)


def _to_task(
    task: FeedbackTaskRow, item: FeedbackItemRow, now: datetime,
    notes: tuple[TaskNote, ...] = (),
) -> FollowupTask:
    return FollowupTask(
        id=int(task.id), item_id=int(task.item_id),
        customer_id=CustomerId(task.customer_id) if task.customer_id is not None else None,
        reason=task.reason, status=task.status, owner_email=task.owner_email,
        opened_at=task.opened_at, due_at=task.due_at, contacted_at=task.contacted_at,
        closed_at=task.closed_at,
        overdue=task.status == "open" and task.due_at is not None and task.due_at < now,
        item=to_item(item), notes=notes,
    )


def list_tasks(
    session: Session, workspace_id: WorkspaceId, *, now: datetime, owner: str | None = None,
    status: str | None = None, overdue_only: bool = False, page: int = 1, page_size: int = 50,
) -> TaskPage:
    """Tasks, overdue and due-soonest first; ``status='active'`` means open or contacted."""
    q = (select(FeedbackTaskRow, FeedbackItemRow)
         .join(FeedbackItemRow, FeedbackItemRow.id == FeedbackTaskRow.item_id)
         .where(FeedbackTaskRow.workspace_id == workspace_id))
    if owner:
        q = q.where(FeedbackTaskRow.owner_email == owner.strip().lower())
    if status == "active":
        q = q.where(FeedbackTaskRow.status.in_(("open", "contacted")))
    elif status:
        if status not in TASK_STATUSES:
            raise TaskChangeInvalid(f"Unknown status {status!r}; use one of "
                                    f"{', '.join(TASK_STATUSES)} or active.", field="status")
        q = q.where(FeedbackTaskRow.status == status)
    if overdue_only:
        q = q.where(FeedbackTaskRow.status == "open", FeedbackTaskRow.due_at < now)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.execute(
        q.order_by(FeedbackTaskRow.status != "open", FeedbackTaskRow.due_at.asc(),
                   FeedbackTaskRow.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    return TaskPage(items=tuple(_to_task(t, i, now) for t, i in rows), total=int(total),
                    page=page, page_size=page_size)


def _load(session: Session, workspace_id: WorkspaceId, task_id: int) -> FeedbackTaskRow:
    task = session.get(FeedbackTaskRow, task_id)
    if task is None or task.workspace_id != workspace_id:
        raise FollowupTaskNotFound(task_id=task_id)
    return task


def get_task(
    session: Session, workspace_id: WorkspaceId, task_id: int, *, now: datetime
) -> FollowupTask:
    task = _load(session, workspace_id, task_id)
    item = session.get_one(FeedbackItemRow, task.item_id)
    notes = tuple(
        TaskNote(kind=n.kind, body=n.body, author=n.author, at=n.at)
        for n in session.scalars(select(FeedbackTaskNoteRow).where(
            FeedbackTaskNoteRow.task_id == task.id).order_by(FeedbackTaskNoteRow.id))
    )
    return _to_task(task, item, now, notes)


def update_task(
    session: Session, workspace_id: WorkspaceId, task_id: int, *, at: datetime,
    author: str | None, status: str | None = None, owner: str | None = UNCHANGED,
    note: str | None = None,
) -> FollowupTask:
    """Change status and/or owner and/or append a note; each change is kept in the history.

    ``contacted`` (or ``closed``) sets ``contacted_at`` the first time; ``closed`` and
    ``wont_fix`` set ``closed_at``; going back to ``open``/``contacted`` clears it.
    """
    at = ensure_aware_utc(at)
    task = _load(session, workspace_id, task_id)
    history: list[tuple[str, str]] = []
    if status is not None and status != task.status:
        if status not in TASK_STATUSES:
            raise TaskChangeInvalid(f"Unknown status {status!r}; use one of "
                                    f"{', '.join(TASK_STATUSES)}.", field="status")
        history.append(("status", f"{task.status}→{status}"))
        task.status = status
        if status in ("contacted", "closed") and task.contacted_at is None:
            task.contacted_at = at
        task.closed_at = at if status in ("closed", "wont_fix") else None
    if owner != UNCHANGED:
        email = normalise_owner(owner)
        if email != task.owner_email:
            task.owner_email = email
            history.append(("assign", email or ""))
    if note is not None:
        body = note.strip()
        if not body or len(body) > MAX_NOTE_CHARS:
            raise TaskChangeInvalid(f"A note has 1 to {MAX_NOTE_CHARS} characters.", field="note")
        history.append(("note", body))
    for kind, body in history:
        session.add(FeedbackTaskNoteRow(task_id=task.id, kind=kind, body=body, author=author,
                                        at=at))
    if history:
        task.updated_at = at
    session.flush()
    return get_task(session, workspace_id, task_id, now=at)


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def quantile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile (numpy's default) of a non-empty list."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def closed_loop_stats(
    session: Session, workspace_id: WorkspaceId, *, since: datetime, until: datetime,
    now: datetime, reason: str | None = None,
) -> ClosedLoopStats:
    """Share of follow-ups (opened in [since, until); of one ``reason`` if given, e.g.
    ``detractor``) contacted and time to contact."""
    q = select(FeedbackTaskRow.opened_at, FeedbackTaskRow.contacted_at).where(
        FeedbackTaskRow.workspace_id == workspace_id, FeedbackTaskRow.opened_at >= since,
        FeedbackTaskRow.opened_at < until)
    if reason:
        if reason not in REASONS:
            raise Invalid(f"Unknown reason {reason!r}; use one of {', '.join(REASONS)}.",
                          field="reason")
        q = q.where(FeedbackTaskRow.reason == reason)
    rows = session.execute(q).all()
    hours = [max(0.0, (c - o).total_seconds() / 3600) for o, c in rows if c is not None]
    n, k = len(rows), len(hours)
    low, high = wilson_interval(k, n) if n else (None, None)
    open_count = session.scalar(select(func.count()).where(
        FeedbackTaskRow.workspace_id == workspace_id, FeedbackTaskRow.status == "open")) or 0
    overdue = session.scalar(select(func.count()).where(
        FeedbackTaskRow.workspace_id == workspace_id, FeedbackTaskRow.status == "open",
        FeedbackTaskRow.due_at < now)) or 0
    return ClosedLoopStats(
        since=since, until=until, tasks=n, contacted=k,
        contacted_share=k / n if n else None, ci_low=low, ci_high=high,
        median_hours_to_contact=quantile(hours, 0.5) if hours else None,
        p90_hours_to_contact=quantile(hours, 0.9) if hours else None,
        open=int(open_count), overdue=int(overdue),
    )


def period_bounds(
    now: datetime, since: date | None, until: date | None
) -> tuple[datetime, datetime]:
    """[since 00:00 UTC, the day after ``until`` 00:00 UTC); default: the last 30 days."""
    last = until or now.date()
    first = since or last - timedelta(days=29)
    if first > last:
        raise Invalid("The period starts after it ends; swap since and until.", field="since")
    return (datetime.combine(first, time(), UTC),
            datetime.combine(last + timedelta(days=1), time(), UTC))
