"""Facade of the broadcasts domain: one message to a segment, now or scheduled, throttled,
with a holdout (and optionally A/B/n arms), and its measured results.

Lifecycle: draft → scheduled → sending → sent, or cancelled (see ``docs/reference/
broadcasts.md``). :func:`send_due` is the dispatcher's ticker; :func:`send_broadcast` sends
now (the CLI); :func:`results` compares the arms with :func:`experiments.api.observe` and
:func:`experiments.api.analyse`, next to the delivery counts of the broadcast's jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kizuna.broadcasts import logic, sending, store
from kizuna.broadcasts.contracts import (
    ArmSpec,
    Broadcast,
    BroadcastInput,
    BroadcastResults,
    BroadcastStatus,
    DeliveryCounts,
)
from kizuna.broadcasts.errors import (
    BroadcastExists,
    BroadcastInvalid,
    BroadcastNotFound,
    BroadcastStateConflict,
)
from kizuna.broadcasts.tables import BroadcastRow
from kizuna.clock import ensure_aware_utc
from kizuna.db.engine import transaction
from kizuna.experiments import api as experiments
from kizuna.jobs import api as jobs
from kizuna.paging import Page
from kizuna.segments import api as segments
from kizuna.types import WorkspaceId

__all__ = [
    "ArmSpec", "Broadcast", "BroadcastExists", "BroadcastInput", "BroadcastInvalid",
    "BroadcastNotFound", "BroadcastResults", "BroadcastStateConflict", "BroadcastStatus",
    "DeliveryCounts", "cancel_broadcast", "create_broadcast", "get_broadcast",
    "list_broadcasts", "results", "schedule_broadcast", "send_broadcast", "send_due",
    "update_broadcast",
]

REFUSED_PREFIX = "not sent:"  # how messaging fails a job the send policy refused
EDITABLE = (BroadcastStatus.DRAFT.value, BroadcastStatus.SCHEDULED.value)


def _apply(row: BroadcastRow, item: BroadcastInput, now: datetime) -> None:
    row.name, row.segment_key, row.channel = item.name, item.segment_key, item.channel
    row.purpose, row.transactional, row.template = item.purpose, item.transactional, \
        item.template
    row.arms = [a.as_dict() for a in item.arms]
    row.holdout_pct, row.global_control_pct = item.holdout_pct, item.global_control_pct
    row.goal_event, row.window_days = item.goal_event, item.window_days
    row.throttle_per_minute, row.webhook_url = item.throttle_per_minute, item.webhook_url
    row.scheduled_at = item.scheduled_at
    row.status = (BroadcastStatus.SCHEDULED if item.scheduled_at else BroadcastStatus.DRAFT).value
    row.updated_at = now


def create_broadcast(session: Session, workspace_id: WorkspaceId, item: BroadcastInput, *,
                     created_by: str, now: datetime) -> Broadcast:
    """Store a new broadcast: ``scheduled`` when it has ``scheduled_at``, else a draft."""
    now = ensure_aware_utc(now)
    item = logic.clean(item)
    segments.get_segment(session, workspace_id, item.segment_key)  # raises when unknown
    if session.scalar(select(BroadcastRow.id).where(BroadcastRow.workspace_id == workspace_id,
                                                    BroadcastRow.key == item.key)) is not None:
        raise BroadcastExists(f"A broadcast {item.key!r} already exists; choose another key.",
                              key=item.key)
    row = BroadcastRow(workspace_id=workspace_id, key=item.key, cursor=0, recipients=0,
                       enqueued=0, created_by=(created_by or "unknown")[:200], created_at=now)
    _apply(row, item, now)
    session.add(row)
    session.flush()
    return store.to_broadcast(row)


def _editable(row: BroadcastRow, action: str) -> None:
    if row.status not in EDITABLE:
        raise BroadcastStateConflict(
            f"Broadcast {row.key!r} is {row.status}; only a draft or scheduled broadcast can "
            f"be {action}.", key=row.key, broadcast_status=row.status)


def update_broadcast(session: Session, workspace_id: WorkspaceId, key: str,
                     item: BroadcastInput, *, now: datetime) -> Broadcast:
    """Replace a draft or scheduled broadcast's settings (the key stays)."""
    now = ensure_aware_utc(now)
    item = logic.clean(replace(item, key=key))
    row = store.find_row(session, workspace_id, key, lock=True)
    _editable(row, "edited")
    segments.get_segment(session, workspace_id, item.segment_key)
    _apply(row, item, now)
    session.flush()
    return store.to_broadcast(row)


def schedule_broadcast(session: Session, workspace_id: WorkspaceId, key: str, *,
                       at: datetime, now: datetime) -> Broadcast:
    """Send at ``at`` (UTC; a time in the past sends at the next tick)."""
    row = store.find_row(session, workspace_id, key, lock=True)
    _editable(row, "scheduled")
    row.scheduled_at = ensure_aware_utc(at)
    row.status, row.updated_at = BroadcastStatus.SCHEDULED.value, ensure_aware_utc(now)
    session.flush()
    return store.to_broadcast(row)


def cancel_broadcast(session: Session, workspace_id: WorkspaceId, key: str, *,
                     now: datetime) -> Broadcast:
    """Cancel a draft, scheduled or sending broadcast. While sending, the members not yet
    handled get nothing; messages already queued still go (see the delivery counts)."""
    row = store.find_row(session, workspace_id, key, lock=True)
    if row.status not in (*EDITABLE, BroadcastStatus.SENDING.value):
        raise BroadcastStateConflict(f"Broadcast {key!r} is {row.status}; it cannot be "
                                     "cancelled.", key=key, broadcast_status=row.status)
    now = ensure_aware_utc(now)
    row.status, row.cancelled_at, row.updated_at = BroadcastStatus.CANCELLED.value, now, now
    session.flush()
    return store.to_broadcast(row)


def get_broadcast(session: Session, workspace_id: WorkspaceId, key: str) -> Broadcast:
    return store.to_broadcast(store.find_row(session, workspace_id, key))


def list_broadcasts(session: Session, workspace_id: WorkspaceId, *,
                    status: BroadcastStatus | str | None = None, page: int = 1,
                    page_size: int = 50) -> Page[Broadcast]:
    """A page of broadcasts, newest first."""
    page, page_size = max(1, page), min(max(1, page_size), 200)
    wanted: str | None = None
    if status:
        try:
            wanted = BroadcastStatus(status).value
        except ValueError:
            raise BroadcastInvalid(f"{status!r} is not a status; use draft, scheduled, "
                                   "sending, sent or cancelled.", field="status") from None
    rows, total = store.list_rows(session, workspace_id, status=wanted, limit=page_size,
                                  offset=(page - 1) * page_size)
    return Page(items=[store.to_broadcast(r) for r in rows], total=total, page=page,
                page_size=page_size)


def send_broadcast(sessions: sessionmaker[Session], workspace_id: WorkspaceId, key: str, *,
                   now: datetime, on_chunk: Callable[[int], None] | None = None,
                   chunk: int = sending.CHUNK) -> Broadcast:
    """Send now: a draft or scheduled broadcast is due at ``now``; a broadcast already
    sending continues where it stopped. Returns the broadcast afterwards (``sent``)."""
    now = ensure_aware_utc(now)
    with transaction(sessions) as session:
        row = store.find_row(session, workspace_id, key, lock=True)
        if row.status in EDITABLE:
            row.status, row.scheduled_at = BroadcastStatus.SCHEDULED.value, now
            row.updated_at = now
        elif row.status != BroadcastStatus.SENDING.value:
            raise BroadcastStateConflict(f"Broadcast {key!r} is {row.status}; it cannot be "
                                         "sent again.", key=key, broadcast_status=row.status)
        broadcast_id = row.id
    sending.send(sessions, broadcast_id, now, on_chunk=on_chunk, chunk=chunk)
    with transaction(sessions) as session:
        return get_broadcast(session, workspace_id, key)


def send_due(sessions: sessionmaker[Session], now: datetime) -> int:
    """The dispatcher's ticker: start due broadcasts and continue unfinished ones (bounded
    work per tick); the number of messages enqueued."""
    return sending.send_due(sessions, ensure_aware_utc(now))


def _delivery(session: Session, workspace_id: WorkspaceId, broadcast_id: int) -> DeliveryCounts:
    c = jobs.counts_by_key_prefix(session, int(workspace_id), f"broadcast:{broadcast_id}:",
                                  error_prefix=REFUSED_PREFIX)
    refused = c.get("failed_matching", 0)
    return DeliveryCounts(queued=c.get("queued", 0) + c.get("running", 0),
                          sent=c.get("done", 0),
                          failed=c.get("failed", 0) - refused + c.get("dead", 0),
                          refused=refused)


def _pdca_record(session: Session, workspace_id: WorkspaceId, key: str) -> int | None:
    for number in range(1, 6):
        page = experiments.list_records(session, workspace_id, page=number, page_size=200)
        for record in page.items:
            if record.action_kind.value == "broadcast" and record.action_ref == key:
                return record.id
        if number * 200 >= page.total:
            break
    return None


def results(session: Session, workspace_id: WorkspaceId, key: str,
            now: datetime) -> BroadcastResults:
    """The arms compared with the control (the holdout; the global control group when the
    broadcast has no holdout): conversion = the goal event (or any order) within the window
    after the recipient entered; revenue = their orders in the window. Recipients still in
    their window count what happened so far (``still_open`` says how many)."""
    now = ensure_aware_utc(now)
    broadcast = get_broadcast(session, workspace_id, key)
    sizes = store.arm_sizes(session, broadcast.id)
    control = (experiments.HOLDOUT if sizes.get(experiments.HOLDOUT)
               else experiments.GLOBAL_CONTROL if sizes.get(experiments.GLOBAL_CONTROL)
               else None)
    entries = [experiments.Entry(cid, arm, at)
               for cid, arm, at in store.recipients(session, broadcast.id)
               if arm == control or arm not in sending.CONTROL_ARMS]
    notes: list[str] = []
    report = None
    if control is None:
        notes.append("no control group: nothing to compare with (holdout 0 % or not sent yet)")
    else:
        observations = experiments.observe(session, workspace_id, entries,
                                           goal_event=broadcast.goal_event,
                                           window_days=broadcast.window_days, now=now)
        report = experiments.analyse(observations, control=control)
    return BroadcastResults(
        broadcast=broadcast, arm_sizes=sizes, report=report,
        delivery=_delivery(session, workspace_id, broadcast.id),
        still_open=experiments.still_open(entries, window_days=broadcast.window_days, now=now),
        pdca_record_id=_pdca_record(session, workspace_id, key), notes=notes)
