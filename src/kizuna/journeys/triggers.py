"""Enrolment and resumption from stored events (the dispatcher consumer), and the ticker
that ends waits.

:func:`apply_events` is on the ingest hot path: it keeps, per workspace, an index of the event
names any journey cares about (triggers of live journeys; goal events and awaited events of
every journey with runs) and only touches the database for events in it. The index is rebuilt
when the journeys of a workspace change (one small stamp query per batch).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from kizuna.db import dialect
from kizuna.db.engine import transaction
from kizuna.ingest.api import FeedEvent
from kizuna.journeys.contracts import (
    OPEN_STATES,
    Definition,
    EventTrigger,
    ReEntry,
    RunState,
    Status,
    WaitForEventStep,
)
from kizuna.journeys.definition import where_ok
from kizuna.journeys.engine import (
    advance,
    database_key,
    definition_of,
    finish,
    resume_due,
    resume_on_event,
)
from kizuna.journeys.tables import JourneyRow, JourneyRunRow


@dataclass(frozen=True, slots=True)
class LiveJourney:
    id: int
    key: str
    workspace_id: int
    version: int
    definition: Definition


@dataclass
class _Index:
    stamp: tuple[Any, ...]
    by_event: dict[str, list[LiveJourney]] = field(default_factory=dict)
    watch: set[str] = field(default_factory=set)
    status: dict[int, str] = field(default_factory=dict)


_INDEX: dict[tuple[str, int], _Index] = {}


def _stamps(session: Session, workspace_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    j = JourneyRow
    status = case((j.status == Status.LIVE.value, 1), (j.status == Status.PAUSED.value, 2),
                  else_=3)
    return {int(ws): (int(n), upd, int(v or 0), int(st or 0))
            for ws, n, upd, v, st in session.execute(
                select(j.workspace_id, func.count(), func.max(j.updated_at),
                       func.sum(j.current_version), func.sum(status * j.id))
                .where(dialect.in_values(session, j.workspace_id, list(workspace_ids)))
                .group_by(j.workspace_id))}


def _build(session: Session, workspace_id: int, stamp: tuple[Any, ...]) -> _Index:
    from kizuna.journeys.tables import JourneyVersionRow

    idx = _Index(stamp=stamp)
    rows = session.scalars(select(JourneyRow).where(JourneyRow.workspace_id == workspace_id,
                                                    JourneyRow.status != Status.ARCHIVED.value))
    for row in rows:
        idx.status[row.id] = row.status
        if row.status == Status.LIVE:
            d = definition_of(session, row.id, row.current_version)
            if isinstance(d.trigger, EventTrigger):
                idx.by_event.setdefault(d.trigger.event, []).append(
                    LiveJourney(row.id, row.key, workspace_id, row.current_version, d))
        for (version,) in session.execute(select(JourneyVersionRow.version).where(
                JourneyVersionRow.journey_id == row.id)):
            d = definition_of(session, row.id, int(version))
            if d.goal_event:
                idx.watch.add(d.goal_event)
            idx.watch.update(s.event for s in d.steps if isinstance(s, WaitForEventStep))
    return idx


def index_for(session: Session, workspace_id: int, stamp: tuple[Any, ...] | None) -> _Index:
    if stamp is None:
        return _Index(stamp=())
    key = (database_key(session), workspace_id)
    found = _INDEX.get(key)
    if found is None or found.stamp != stamp:
        found = _INDEX[key] = _build(session, workspace_id, stamp)
    return found


def _context(e: FeedEvent) -> dict[str, Any]:
    return {"event": e.event, "properties": dict(e.properties),
            "timestamp": e.timestamp.isoformat(), "event_id": e.id}


def pick_arm(journey_key: str, workspace_id: int, customer_id: int, d: Definition) -> str:
    from kizuna.experiments import api as experiments

    return experiments.assign(
        f"journey:{journey_key}", str(customer_id),
        [experiments.Arm(name=a.name, weight=a.weight) for a in d.arms],
        holdout_pct=d.holdout_pct, global_control_pct=d.global_control_pct,
        salt=experiments.workspace_salt(workspace_id))  # type: ignore[arg-type]


def trigger_key(d: Definition, specific: str) -> str:
    return "once" if d.re_entry == ReEntry.ONCE else specific


def insert_runs(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert runs, skipping any whose (journey, customer, trigger key) exists; new ids."""
    if not rows:
        return []
    table = cast(Table, JourneyRunRow.__table__)
    stmt = dialect.insert(session, table).on_conflict_do_nothing(
        index_elements=["journey_id", "customer_id", "trigger_key"]).returning(table.c.id)
    # executemany: one cached statement, batched by SQLAlchemy's "insertmanyvalues"
    return [int(i) for i in session.scalars(stmt, rows)]


def run_values(j: LiveJourney, customer_id: int, key: str, event_id: int,
               context: Mapping[str, Any], now: datetime, *, state: RunState,
               due_at: datetime | None = None) -> dict[str, Any]:
    return {"workspace_id": j.workspace_id, "journey_id": j.id, "version": j.version,
            "customer_id": customer_id,
            "arm": pick_arm(j.key, j.workspace_id, customer_id, j.definition),
            "trigger_key": key, "trigger_event_id": event_id, "state": state.value,
            "step_id": j.definition.steps[0].id, "due_at": due_at, "wait_event": None,
            "correlation_value": None, "context": dict(context), "entered_at": now,
            "finished_at": None, "updated_at": now}


def _open_runs(session: Session, workspace_id: int,
               customers: Sequence[int]) -> dict[int, list[JourneyRunRow]]:
    q = select(JourneyRunRow).where(
        JourneyRunRow.workspace_id == workspace_id,
        dialect.in_values(session, JourneyRunRow.customer_id, list(customers)),
        JourneyRunRow.state.in_(list(OPEN_STATES))).order_by(JourneyRunRow.id)
    if dialect.is_postgres(session):
        q = q.with_for_update()
    out: dict[int, list[JourneyRunRow]] = defaultdict(list)
    for row in session.scalars(q):
        out[row.customer_id].append(row)
    return out


def _react(session: Session, idx: _Index, runs: list[JourneyRunRow], e: FeedEvent,
           now: datetime) -> None:
    for run in runs:
        if run.state not in OPEN_STATES or e.id <= run.trigger_event_id:
            continue
        d = definition_of(session, run.journey_id, run.version)
        if d.goal_event and d.goal_event == e.event:
            finish(run, RunState.CONVERTED, now)
            continue
        if (run.state == RunState.WAITING_EVENT and run.wait_event == e.event
                and idx.status.get(run.journey_id) == Status.LIVE):
            step = d.step(str(run.step_id))
            if not isinstance(step, WaitForEventStep) or not where_ok(step.where, e.properties):
                continue
            if run.correlation_value is not None and step.correlate and str(
                    e.properties.get(step.correlate)) != run.correlation_value:
                continue
            resume_on_event(session, run, d, now)


class _Pending:
    """Enrolments of a batch, inserted together (one INSERT, one SELECT) and then advanced."""

    def __init__(self) -> None:
        self.values: dict[tuple[int, int, str], dict[str, Any]] = {}
        self.journeys: dict[int, LiveJourney] = {}
        self.customers: set[int] = set()

    def add(self, j: LiveJourney, values: dict[str, Any]) -> None:
        key = (j.id, int(values["customer_id"]), str(values["trigger_key"]))
        self.values.setdefault(key, values)
        self.journeys[j.id] = j
        self.customers.add(int(values["customer_id"]))

    def has(self, journey_id: int, customer_id: int) -> bool:
        return any(k[0] == journey_id and k[1] == customer_id for k in self.values)

    def flush(self, session: Session, runs: dict[int, list[JourneyRunRow]],
              now: datetime) -> None:
        if not self.values:
            return
        ids = insert_runs(session, list(self.values.values()))
        if ids:
            rows = list(session.scalars(select(JourneyRunRow).where(
                dialect.in_values(session, JourneyRunRow.id, ids)).order_by(JourneyRunRow.id)))
            with session.no_autoflush:  # one UPDATE batch at the end, not one per send
                for row in rows:
                    runs[row.customer_id].append(row)
                    advance(session, row, self.journeys[row.journey_id].definition, now)
        self.values.clear()
        self.customers.clear()


def _enrol(idx: _Index, runs: list[JourneyRunRow], e: FeedEvent, now: datetime,
           pending: _Pending) -> None:
    assert e.customer_id is not None and e.event is not None
    for j in idx.by_event.get(e.event, ()):
        trig = j.definition.trigger
        if not isinstance(trig, EventTrigger) or not where_ok(trig.where, e.properties):
            continue
        if j.definition.re_entry == ReEntry.AFTER_EXIT and (pending.has(j.id, e.customer_id) or any(
                r.journey_id == j.id and r.state in OPEN_STATES for r in runs)):
            continue
        pending.add(j, run_values(
            j, e.customer_id, trigger_key(j.definition, f"event:{e.id}"), e.id, _context(e),
            now, state=RunState.ACTIVE))


def apply_events(session: Session, events: Sequence[FeedEvent], now: datetime) -> None:
    """The dispatcher consumer: enrol, resume waits for events, exit on goal (idempotent)."""
    tracked = [e for e in events if e.customer_id is not None and e.event]
    if not tracked:
        return
    by_ws: dict[int, list[FeedEvent]] = defaultdict(list)
    for e in tracked:
        by_ws[e.workspace_id].append(e)
    stamps = _stamps(session, list(by_ws))
    for ws, ws_events in by_ws.items():
        idx = index_for(session, ws, stamps.get(ws))
        relevant = [e for e in ws_events if e.event in idx.by_event or e.event in idx.watch]
        if not relevant:
            continue
        runs = _open_runs(session, ws, sorted({int(e.customer_id or 0) for e in relevant}))
        pending = _Pending()
        for e in sorted(relevant, key=lambda x: x.id):
            cid = int(e.customer_id or 0)
            if e.event in idx.watch:
                if cid in pending.customers:  # runs enrolled earlier in the batch react too
                    pending.flush(session, runs, now)
                _react(session, idx, runs[cid], e, now)
            if e.event in idx.by_event:
                _enrol(idx, runs[cid], e, now, pending)
        pending.flush(session, runs, now)
    session.flush()


def advance_runs(sessions: sessionmaker[Session], now: datetime, *, limit: int = 500,
                 max_batches: int = 20) -> int:
    """Resume runs whose wait ended or whose wait for an event timed out (live journeys only),
    ``limit`` per transaction; claims with SKIP LOCKED on PostgreSQL. Runs resumed."""
    total = 0
    for _ in range(max_batches):
        with transaction(sessions) as session:
            q = (select(JourneyRunRow)
                 .join(JourneyRow, JourneyRow.id == JourneyRunRow.journey_id)
                 .where(JourneyRunRow.state.in_([RunState.WAITING.value,
                                                 RunState.WAITING_EVENT.value]),
                        JourneyRunRow.due_at <= now, JourneyRow.status == Status.LIVE.value)
                 .order_by(JourneyRunRow.due_at).limit(limit))
            if dialect.is_postgres(session):
                q = q.with_for_update(skip_locked=True, of=JourneyRunRow)
            rows = list(session.scalars(q))
            for row in rows:
                resume_due(session, row, definition_of(session, row.journey_id, row.version),
                           now)
        total += len(rows)
        if len(rows) < limit:
            break
    return total
