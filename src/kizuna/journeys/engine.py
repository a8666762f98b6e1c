"""Move runs through their version's steps: sends through the outbox, waits, branches.

A run is advanced inside the caller's transaction until it waits or ends, so the run's new
state and the ``message.send`` jobs it queued commit together (exactly one send per run and
step: the send key is ``journey:<journey id>:<run id>:<step id>``). Holdout and global-control
runs walk the same steps but their sends are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.db.metadata import import_all_tables
from kizuna.errors import KizunaError
from kizuna.journeys.contracts import (
    END,
    BranchStep,
    Definition,
    ExitStep,
    RunState,
    SendStep,
    UpdateTraitStep,
    WaitForEventStep,
    WaitStep,
)
from kizuna.journeys.definition import parse, successors
from kizuna.journeys.tables import JourneyRunRow, JourneyVersionRow
from kizuna.types import CustomerId, WorkspaceId

log = logging.getLogger("kizuna.journeys")

SKIP_SEND_ARMS = frozenset({"holdout", "global_control"})
MAX_STEPS_PER_ADVANCE = 100
_DEFS: dict[tuple[str, int, int], Definition] = {}


def database_key(session: Session) -> str:
    """Which database a session talks to (caches are per database: tests use many)."""
    return str(session.get_bind().engine.url)


def definition_of(session: Session, journey_id: int, version: int) -> Definition:
    """The parsed definition of a version (versions never change: cached for good)."""
    key = (database_key(session), journey_id, version)
    found = _DEFS.get(key)
    if found is None:
        doc = session.scalar(select(JourneyVersionRow.definition).where(
            JourneyVersionRow.journey_id == journey_id, JourneyVersionRow.version == version))
        found = parse(doc or {})
        if len(_DEFS) > 5000:
            _DEFS.clear()
        _DEFS[key] = found
    return found


def send_key(journey_id: int, run_id: int, step_id: str) -> str:
    return f"journey:{journey_id}:{run_id}:{step_id}"


def zone_of(session: Session, workspace_id: int, customer_id: int) -> ZoneInfo:
    """The customer's time zone, else the workspace's, else UTC."""
    tables = import_all_tables().tables
    c, w = tables["customers"], tables["workspaces"]
    row = session.execute(select(c.c.timezone, w.c.timezone).select_from(
        c.join(w, w.c.id == c.c.workspace_id)).where(c.c.id == customer_id,
                                                      c.c.workspace_id == workspace_id)).first()
    for name in (row or (None, None)):
        if name:
            try:
                return ZoneInfo(str(name))
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def next_local_time(now: datetime, hhmm: str, zone: ZoneInfo) -> datetime:
    """The first instant after ``now`` when the local clock in ``zone`` shows ``hhmm``."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    local = now.astimezone(zone)
    candidate = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0,
                                                        microsecond=0)
    # re-attach the zone so a DST change between the two days is applied
    return candidate.replace(tzinfo=None).replace(tzinfo=zone).astimezone(now.tzinfo)


def _following(d: Definition, step_id: str, which: int = 0) -> str:
    index = next(i for i, s in enumerate(d.steps) if s.id == step_id)
    return successors(d.steps, index)[which]


def finish(run: JourneyRunRow, state: RunState, now: datetime) -> None:
    run.state, run.finished_at, run.updated_at = state.value, now, now
    run.due_at, run.wait_event = None, None


def _send(session: Session, run: JourneyRunRow, step: SendStep, now: datetime) -> None:
    from kizuna.messaging import api as messaging

    if run.arm in SKIP_SEND_ARMS:
        return
    doc = step.variants.get(run.arm, step.template)
    try:
        messaging.enqueue_message(
            session, run.workspace_id, customer_id=run.customer_id,
            channel=cast(Any, step.channel), purpose=step.purpose,
            transactional=step.transactional, template=messaging.template_from_document(doc),
            send_key=send_key(run.journey_id, run.id, step.id),
            event=cast(Mapping[str, Any], run.context or {}) or None,
            webhook_url=step.webhook_url, now=now)
    except KizunaError as exc:  # a send that cannot be queued must not stop the journey
        log.warning("journey %s run %s step %s: send not queued: %s", run.journey_id, run.id,
                    step.id, exc)


def advance(session: Session, run: JourneyRunRow, d: Definition, now: datetime) -> None:
    """Run ``run`` (state active) from its ``step_id`` until it waits or ends."""
    from kizuna.profiles import api as profiles
    from kizuna.segments import api as segments

    for _ in range(MAX_STEPS_PER_ADVANCE):
        if run.state != RunState.ACTIVE:
            return
        if not run.step_id or run.step_id == END:
            finish(run, RunState.COMPLETED, now)
            return
        try:
            step = d.step(run.step_id)
        except KeyError:
            finish(run, RunState.EXITED, now)
            return
        run.updated_at = now
        if isinstance(step, SendStep):
            _send(session, run, step, now)
            run.step_id = _following(d, step.id)
        elif isinstance(step, WaitStep):
            if step.seconds is not None:
                due = now + timedelta(seconds=step.seconds)
            else:
                due = next_local_time(now, str(step.until),
                                      zone_of(session, run.workspace_id, run.customer_id))
            run.state, run.due_at, run.step_id = RunState.WAITING.value, due, _following(
                d, step.id)
        elif isinstance(step, WaitForEventStep):
            value = None
            if step.correlate:
                raw = (run.context or {}).get("properties", {}).get(step.correlate)
                value = None if raw is None else str(raw)[:200]
            run.state, run.wait_event = RunState.WAITING_EVENT.value, step.event
            run.correlation_value = value
            run.due_at = now + timedelta(seconds=step.timeout_seconds)
        elif isinstance(step, BranchStep):
            hit = segments.matches(session, WorkspaceId(run.workspace_id), dict(step.condition),
                                   run.customer_id, now)
            run.step_id = _following(d, step.id, 0 if hit else 1)
        elif isinstance(step, UpdateTraitStep):
            profiles.apply_traits(session, WorkspaceId(run.workspace_id),
                                  CustomerId(run.customer_id), dict(step.traits), now)
            session.flush()  # later branches evaluate the new traits in SQL
            run.step_id = _following(d, step.id)
        elif isinstance(step, ExitStep):
            finish(run, RunState.EXITED, now)
            return
    log.warning("journey run %s stopped after %s steps in one go", run.id, MAX_STEPS_PER_ADVANCE)
    finish(run, RunState.EXITED, now)


def resume_on_event(session: Session, run: JourneyRunRow, d: Definition, now: datetime) -> None:
    """The awaited event happened: go to the step's ``on_event`` branch."""
    run.step_id = _following(d, str(run.step_id), 0)
    run.state, run.due_at, run.wait_event = RunState.ACTIVE.value, None, None
    advance(session, run, d, now)


def resume_due(session: Session, run: JourneyRunRow, d: Definition, now: datetime) -> None:
    """A wait ended (or a wait for an event timed out: its ``on_timeout`` branch)."""
    if run.state == RunState.WAITING_EVENT:
        run.step_id = _following(d, str(run.step_id), 1)
    run.state, run.due_at, run.wait_event = RunState.ACTIVE.value, None, None
    advance(session, run, d, now)
