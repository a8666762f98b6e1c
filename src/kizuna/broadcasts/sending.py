"""Sending a broadcast: members in chunks, arms assigned, recipients stored, jobs enqueued.

A send starts by recomputing the segment and marking the broadcast ``sending`` (one
transaction). Then, chunk by chunk (members by ascending customer id after ``cursor``), ONE
transaction stores the chunk's recipients with their arm, enqueues a ``message.send`` job
for every recipient outside the control groups (send key ``broadcast:{id}``, so the outbox
holds at most one job per (broadcast, customer)) and moves the cursor. A process that dies
half way leaves the broadcast ``sending`` with the cursor after the last committed chunk; the
next tick continues from there, and the unique (broadcast, customer) recipient rows and job
keys make a repeated chunk a no-op. When no member is left the broadcast is ``sent``.

Throttling: the k-th message of the broadcast (0-based, over all chunks) is held back until
``started_at + k · 60 / throttle_per_minute`` seconds. Recipients enter the experiment when
their chunk is handled (the arms are compared as assigned: intention to treat).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy.orm import Session, sessionmaker

from kizuna.broadcasts import store
from kizuna.broadcasts.contracts import BroadcastStatus
from kizuna.broadcasts.tables import BroadcastRow
from kizuna.db.engine import transaction
from kizuna.errors import KizunaError
from kizuna.experiments import api as experiments
from kizuna.messaging import api as messaging
from kizuna.segments import api as segments
from kizuna.types import WorkspaceId

log = logging.getLogger("kizuna.broadcasts")

CHUNK = 2000
CONTROL_ARMS = frozenset({experiments.HOLDOUT, experiments.GLOBAL_CONTROL})


def experiment_key(key: str) -> str:
    return f"broadcast:{key}"


def start(session: Session, row: BroadcastRow, now: datetime) -> None:
    """Recompute the segment and mark the broadcast ``sending`` (in the caller's
    transaction)."""
    segments.recompute_segment(session, WorkspaceId(row.workspace_id), row.segment_key, now)
    row.status = BroadcastStatus.SENDING.value
    row.started_at, row.cursor, row.updated_at = now, 0, now
    if row.scheduled_at is None or row.scheduled_at > now:
        row.scheduled_at = now


def send_chunk(session: Session, row: BroadcastRow, now: datetime, *,
               chunk: int = CHUNK) -> tuple[int, bool]:
    """Handle the next chunk of members: (messages enqueued, finished?)."""
    ws = WorkspaceId(row.workspace_id)
    members = segments.list_members(session, ws, row.segment_key, limit=chunk,
                                    after=row.cursor)
    if not members:
        row.status = BroadcastStatus.SENT.value
        row.finished_at = row.updated_at = now
        return 0, True
    arms = store.arms_of(row.arms)
    variants = [experiments.Arm(a.name, a.weight) for a in arms]
    salt = experiments.workspace_salt(ws)
    assigned = [(cid, experiments.assign(
        experiment_key(row.key), str(cid), variants, holdout_pct=row.holdout_pct,
        global_control_pct=row.global_control_pct, salt=salt)) for cid in members]
    new = store.insert_recipients(session, row.id, assigned, now)
    started = row.started_at or now
    gap = 60.0 / row.throttle_per_minute if row.throttle_per_minute else 0.0
    by_arm: dict[str, tuple[list[int], list[datetime]]] = {}
    k = row.enqueued
    for cid, arm in assigned:
        if cid not in new or arm in CONTROL_ARMS:
            continue
        ids, times = by_arm.setdefault(arm, ([], []))
        ids.append(cid)
        times.append(started + timedelta(seconds=k * gap) if gap else now)
        k += 1
    templates = {a.name: a.template or row.template for a in arms}
    queued = 0
    for arm, (ids, times) in by_arm.items():
        queued += messaging.enqueue_messages(
            session, int(ws), ids, channel=cast(Any, row.channel), purpose=row.purpose,
            transactional=row.transactional,
            template=messaging.template_from_document(templates[arm], name=row.key),
            send_key=f"broadcast:{row.id}", now=now, webhook_url=row.webhook_url,
            run_after=times if gap else None)
    row.cursor = members[-1]
    row.recipients += len(new)
    row.enqueued = k
    row.updated_at = now
    return queued, False


def send(sessions: sessionmaker[Session], broadcast_id: int, now: datetime, *,
         max_chunks: int | None = None, chunk: int = CHUNK,
         on_chunk: Callable[[int], None] | None = None) -> int:
    """Start (if due) and continue one broadcast, one transaction per chunk, until it is
    sent (or ``max_chunks`` chunks were handled); the number of messages enqueued.
    ``on_chunk(n)`` is called after the n-th committed chunk (progress; tests crash there)."""
    with transaction(sessions) as session:
        row = store.lock_row(session, broadcast_id)
        if row is None or row.status not in (BroadcastStatus.SCHEDULED.value,
                                             BroadcastStatus.SENDING.value):
            return 0
        if row.status == BroadcastStatus.SCHEDULED.value:
            if row.scheduled_at is not None and row.scheduled_at > now:
                return 0
            start(session, row, now)
    queued = handled = 0
    while max_chunks is None or handled < max_chunks:
        with transaction(sessions) as session:
            row = store.lock_row(session, broadcast_id)
            if row is None or row.status != BroadcastStatus.SENDING.value:
                return queued
            added, done = send_chunk(session, row, now, chunk=chunk)
            total = row.enqueued
        queued += added
        handled += 1
        if done:
            log.info("broadcast %s sent: %s messages queued", broadcast_id, total)
            return queued
        if on_chunk is not None:
            on_chunk(handled)
    return queued


def send_due(sessions: sessionmaker[Session], now: datetime, *, max_chunks: int = 10) -> int:
    """The ticker: every due or unfinished broadcast of every workspace, up to
    ``max_chunks`` chunks each per tick; the number of messages enqueued."""
    with transaction(sessions) as session:
        due = store.due_ids(session, now)
    queued = 0
    for broadcast_id, _ws in due:
        try:
            queued += send(sessions, broadcast_id, now, max_chunks=max_chunks)
        except KizunaError as exc:  # e.g. the segment was deleted: try again next tick
            log.warning("broadcast %s could not send: %s", broadcast_id, exc)
    return queued
