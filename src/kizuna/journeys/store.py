"""SQL of the journeys domain; returns contracts (or rows to the engine inside the domain)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kizuna.journeys.contracts import Journey, JourneyVersion, Run, RunCounts, RunState, Status
from kizuna.journeys.errors import JourneyNotFound
from kizuna.journeys.tables import JourneyRow, JourneyRunRow, JourneyVersionRow


def get_row(session: Session, workspace_id: int, key: str) -> JourneyRow:
    row = session.scalar(select(JourneyRow).where(JourneyRow.workspace_id == workspace_id,
                                                  JourneyRow.key == key))
    if row is None:
        raise JourneyNotFound(f"No journey has the key {key!r}; list them with "
                              "`kizuna journeys list` or `GET /v1/journeys`.", key=key)
    return row


def all_rows(session: Session, workspace_id: int) -> list[JourneyRow]:
    return list(session.scalars(select(JourneyRow).where(JourneyRow.workspace_id == workspace_id)
                                .order_by(JourneyRow.key)))


def version_doc(session: Session, journey_id: int, version: int) -> dict[str, Any]:
    doc = session.scalar(select(JourneyVersionRow.definition).where(
        JourneyVersionRow.journey_id == journey_id, JourneyVersionRow.version == version))
    return dict(doc or {})


def versions(session: Session, journey_id: int) -> list[JourneyVersion]:
    return [JourneyVersion(journey_id=r.journey_id, version=r.version,
                           definition=dict(r.definition), created_at=r.created_at)
            for r in session.scalars(select(JourneyVersionRow).where(
                JourneyVersionRow.journey_id == journey_id)
                .order_by(JourneyVersionRow.version.desc()))]


def add_version(session: Session, journey_id: int, version: int, doc: dict[str, Any],
                now: datetime) -> None:
    session.add(JourneyVersionRow(journey_id=journey_id, version=version, definition=doc,
                                  created_at=now))
    session.flush()


def to_journey(session: Session, row: JourneyRow) -> Journey:
    return Journey(id=row.id, workspace_id=row.workspace_id, key=row.key, name=row.name,
                   status=Status(row.status), current_version=row.current_version,
                   definition=version_doc(session, row.id, row.current_version),
                   created_at=row.created_at, updated_at=row.updated_at)


def to_run(row: JourneyRunRow) -> Run:
    return Run(id=row.id, journey_id=row.journey_id, version=row.version,
               customer_id=row.customer_id, arm=row.arm, trigger_key=row.trigger_key,
               state=RunState(row.state), step_id=row.step_id, due_at=row.due_at,
               entered_at=row.entered_at, finished_at=row.finished_at,
               context=dict(row.context or {}))


def list_runs(session: Session, journey_id: int, *, states: Sequence[str] = (),
              limit: int = 100, before_id: int | None = None) -> list[Run]:
    q = select(JourneyRunRow).where(JourneyRunRow.journey_id == journey_id)
    if states:
        q = q.where(JourneyRunRow.state.in_(list(states)))
    if before_id is not None:
        q = q.where(JourneyRunRow.id < before_id)
    return [to_run(r) for r in session.scalars(q.order_by(JourneyRunRow.id.desc()).limit(limit))]


def run_counts(session: Session, journey_id: int) -> RunCounts:
    r = JourneyRunRow
    by_state = {str(s): int(n) for s, n in session.execute(
        select(r.state, func.count()).where(r.journey_id == journey_id).group_by(r.state))}
    by_arm = {str(a): int(n) for a, n in session.execute(
        select(r.arm, func.count()).where(r.journey_id == journey_id).group_by(r.arm))}
    return RunCounts(by_state=by_state, by_arm=by_arm)


def entries(session: Session, journey_id: int) -> list[tuple[int, str, datetime]]:
    """(customer, arm, entered_at) of every run, first run per customer only."""
    r = JourneyRunRow
    first = (select(r.customer_id, func.min(r.id).label("id")).where(r.journey_id == journey_id)
             .group_by(r.customer_id).subquery())
    return [(int(c), str(a), e) for c, a, e in session.execute(
        select(r.customer_id, r.arm, r.entered_at).join(first, first.c.id == r.id))]
