"""Facade of the journeys domain: define and version journeys, enrol customers from the event
feed and from dates/schedules, advance runs, and measure them against their holdout.

The dispatcher calls :func:`apply_events` (consumer) and :func:`advance_due` (ticker).
"""

from __future__ import annotations

import re
import time as _time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from kizuna.errors import KizunaError
from kizuna.ingest.api import FeedEvent
from kizuna.journeys import store
from kizuna.journeys.contracts import (
    OPEN_STATES,
    DateTrigger,
    Definition,
    EventTrigger,
    Journey,
    JourneyTemplate,
    JourneyVersion,
    Run,
    RunCounts,
    RunState,
    ScheduleTrigger,
    Status,
)
from kizuna.journeys.definition import parse, render
from kizuna.journeys.describe import StepLine, steps_text, trigger_text
from kizuna.journeys.errors import (
    JourneyDefinitionInvalid,
    JourneyExists,
    JourneyNotFound,
    JourneyStatusConflict,
)
from kizuna.journeys.scheduled import enrol_scheduled
from kizuna.journeys.tables import JourneyRow, JourneyRunRow
from kizuna.journeys.templates import (
    AT_RISK_CONDITION,
    AT_RISK_FALLBACK,
    AT_RISK_SEGMENT,
    TEMPLATE_NAMES,
    template,
    templates,
)
from kizuna.journeys.triggers import advance_runs
from kizuna.journeys.triggers import apply_events as _apply_events
from kizuna.types import WorkspaceId

__all__ = [
    "TEMPLATE_NAMES",
    "TICK_SECONDS",
    "Definition",
    "Journey",
    "JourneyResults",
    "JourneyTemplate",
    "JourneyVersion",
    "Run",
    "RunCounts",
    "RunState",
    "Status",
    "StepLine",
    "advance_due",
    "apply_events",
    "create_from_template",
    "create_journey",
    "describe", "enrol_due_dates",
    "get_journey",
    "journey_results",
    "list_journeys",
    "list_runs",
    "list_versions",
    "parse",
    "render",
    "run_counts",
    "set_status",
    "template",
    "templates",
    "update_journey",
    "validate",
]

TICK_SECONDS = 5.0  # how often the dispatcher ends due waits
SCHEDULE_EVERY_SECONDS = 60.0  # how often date and schedule triggers are checked
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_TRANSITIONS = {
    Status.DRAFT: {Status.LIVE, Status.ARCHIVED},
    Status.LIVE: {Status.PAUSED, Status.ARCHIVED},
    Status.PAUSED: {Status.LIVE, Status.ARCHIVED},
    Status.ARCHIVED: set(),
}
_last_schedule_check = [0.0]


def _trigger_kind(d: Definition) -> str:
    if isinstance(d.trigger, DateTrigger):
        return "date"
    if isinstance(d.trigger, ScheduleTrigger):
        return "schedule"
    assert isinstance(d.trigger, EventTrigger)
    return "event"


def validate(definition: Any) -> dict[str, Any]:
    """The canonical form of a definition; raises :class:`JourneyDefinitionInvalid`."""
    return render(parse(definition))


def describe(definition: Any, lang: str = "en") -> tuple[str, list[StepLine]]:
    """The trigger and the steps of a definition in words (``lang`` ja or en)."""
    d = parse(definition)
    lang = "ja" if lang.startswith("ja") else "en"
    return trigger_text(d, lang), steps_text(d, lang)


def _check_name(name: str) -> str:
    if not name.strip() or len(name) > 200:
        raise JourneyDefinitionInvalid("name", "must be a non-empty text of at most 200 "
                                               "characters")
    return name.strip()


def create_journey(session: Session, workspace_id: WorkspaceId, *, key: str, name: str,
                   definition: Any, now: datetime) -> Journey:
    """A new draft journey with version 1."""
    if not _KEY.match(key):
        raise JourneyDefinitionInvalid("key", "must be 1..100 lowercase letters, digits, _ or "
                                              "-, starting with a letter or digit")
    d = parse(definition)
    try:
        store.get_row(session, workspace_id, key)
    except JourneyNotFound:
        pass
    else:
        raise JourneyExists(f"A journey with the key {key!r} already exists; choose another "
                            "key or edit that journey.", key=key)
    row = JourneyRow(workspace_id=workspace_id, key=key, name=_check_name(name),
                     status=Status.DRAFT.value, current_version=1, trigger_kind=_trigger_kind(d),
                     goal_event=d.goal_event, holdout_pct=d.holdout_pct, created_at=now,
                     updated_at=now)
    session.add(row)
    session.flush()
    store.add_version(session, row.id, 1, render(d), now)
    return store.to_journey(session, row)


def update_journey(session: Session, workspace_id: WorkspaceId, key: str, *,
                   definition: Any | None = None, name: str | None = None,
                   now: datetime) -> Journey:
    """Rename and/or save a new version (runs in flight stay on their version)."""
    row = store.get_row(session, workspace_id, key)
    if row.status == Status.ARCHIVED:
        raise JourneyStatusConflict("This journey is archived; create a new journey instead.",
                                    key=key)
    if name is not None:
        row.name = _check_name(name)
    if definition is not None:
        d = parse(definition)
        doc = render(d)
        if doc != store.version_doc(session, row.id, row.current_version):
            row.current_version += 1
            store.add_version(session, row.id, row.current_version, doc, now)
        row.trigger_kind, row.goal_event, row.holdout_pct = (
            _trigger_kind(d), d.goal_event, d.holdout_pct)
    row.updated_at = now
    session.flush()
    return store.to_journey(session, row)


def set_status(session: Session, workspace_id: WorkspaceId, key: str, status: Status | str, *,
               now: datetime) -> Journey:
    """draft → live ⇄ paused → archived (archiving ends the open runs as ``exited``)."""
    row = store.get_row(session, workspace_id, key)
    try:
        wanted = Status(status)
    except ValueError:
        raise JourneyDefinitionInvalid("status", "must be draft, live, paused or archived") \
            from None
    current = Status(row.status)
    if wanted != current and wanted not in _TRANSITIONS[current]:
        raise JourneyStatusConflict(f"A {current.value} journey cannot become {wanted.value}.",
                                    key=key, current_status=current.value)
    if wanted == Status.ARCHIVED and current != Status.ARCHIVED:
        session.execute(update(JourneyRunRow).where(
            JourneyRunRow.journey_id == row.id, JourneyRunRow.state.in_(list(OPEN_STATES)))
            .values(state=RunState.EXITED.value, finished_at=now, updated_at=now, due_at=None))
    row.status, row.updated_at = wanted.value, now
    session.flush()
    return store.to_journey(session, row)


def get_journey(session: Session, workspace_id: WorkspaceId, key: str) -> Journey:
    return store.to_journey(session, store.get_row(session, workspace_id, key))


def list_journeys(session: Session, workspace_id: WorkspaceId) -> list[Journey]:
    return [store.to_journey(session, r) for r in store.all_rows(session, workspace_id)]


def list_versions(session: Session, workspace_id: WorkspaceId, key: str) -> list[JourneyVersion]:
    return store.versions(session, store.get_row(session, workspace_id, key).id)


def list_runs(session: Session, workspace_id: WorkspaceId, key: str, *,
              states: Sequence[str] = (), limit: int = 100,
              before_id: int | None = None) -> list[Run]:
    row = store.get_row(session, workspace_id, key)
    return store.list_runs(session, row.id, states=states, limit=min(max(limit, 1), 1000),
                           before_id=before_id)


def run_counts(session: Session, workspace_id: WorkspaceId, key: str) -> RunCounts:
    return store.run_counts(session, store.get_row(session, workspace_id, key).id)


def create_from_template(session: Session, workspace_id: WorkspaceId, name: str, *,
                         key: str | None = None, title: str | None = None, locale: str = "en",
                         params: Mapping[str, str] | None = None, now: datetime) -> Journey:
    """A draft journey from a ready-made template (the win-back template also creates the
    ``at-risk`` segment when the workspace has none)."""
    tpl = template(name, params)
    if name == "win_back":
        _ensure_at_risk_segment(session, workspace_id, now)
    lang = "ja" if locale.startswith("ja") else "en"
    return create_journey(session, workspace_id, key=key or name.replace("_", "-"),
                          name=title or tpl.title[lang], definition=tpl.definition, now=now)


def _ensure_at_risk_segment(session: Session, workspace_id: WorkspaceId, now: datetime) -> None:
    from kizuna.segments import api as segments

    try:
        segments.get_segment(session, workspace_id, AT_RISK_SEGMENT)
        return
    except KizunaError:
        pass
    try:
        condition: dict[str, Any] = dict(AT_RISK_CONDITION)
        segments.parse(condition)
    except KizunaError:  # metric conditions unavailable: 90 days without an order
        condition = dict(AT_RISK_FALLBACK)
    segments.create_segment(session, workspace_id, key=AT_RISK_SEGMENT,
                            name="At risk / 離反懸念", condition=condition, now=now)


# -- the dispatcher's hooks -------------------------------------------------------------------
def apply_events(session: Session, events: Sequence[FeedEvent], now: datetime) -> None:
    """Dispatcher consumer: enrol on event triggers, resume waits for events, exit on goal."""
    _apply_events(session, events, now)


def advance_due(sessions: sessionmaker[Session], now: datetime, limit: int = 500) -> int:
    """Dispatcher ticker: enrol date/schedule triggers (at most every minute), then resume
    every run whose wait ended. Returns the runs resumed."""
    if _time.monotonic() - _last_schedule_check[0] >= SCHEDULE_EVERY_SECONDS:
        _last_schedule_check[0] = _time.monotonic()
        enrol_scheduled(sessions, now)
    return advance_runs(sessions, now, limit=limit)


def enrol_due_dates(sessions: sessionmaker[Session], now: datetime) -> int:
    """Enrol date and schedule triggers now (idempotent; the ticker does it every minute)."""
    return enrol_scheduled(sessions, now)


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyResults:
    journey: Journey
    goal_event: str | None
    window_days: float
    entries: int
    still_open: int
    report: Any | None  # experiments.ExperimentReport; None when it cannot be computed
    problem: str = ""
    pdca: tuple[Any, ...] = ()


def journey_results(session: Session, workspace_id: WorkspaceId, key: str, *,
                    now: datetime) -> JourneyResults:
    """Per arm n, conversion rate, revenue per recipient and uplift over the holdout (first
    entry per customer; the current version's goal and window)."""
    from kizuna.experiments import api as experiments

    row = store.get_row(session, workspace_id, key)
    journey = store.to_journey(session, row)
    d = parse(journey.definition)
    entries = [experiments.Entry(customer_id=c, arm=a, entered_at=e)
               for c, a, e in store.entries(session, row.id)]
    report, problem = None, ""
    try:
        obs = experiments.observe(session, workspace_id, entries, goal_event=d.goal_event,
                                  window_days=d.conversion_window_days, now=now)
        report = experiments.analyse(obs) if obs else None
        if report is None:
            problem = "no-entries"
    except KizunaError as exc:
        problem = str(exc)
    links = tuple(_pdca_links(session, workspace_id, key))
    return JourneyResults(journey=journey, goal_event=d.goal_event,
                          window_days=d.conversion_window_days, entries=len(entries),
                          still_open=experiments.still_open(
                              entries, window_days=d.conversion_window_days, now=now),
                          report=report, problem=problem, pdca=links)


def _pdca_links(session: Session, workspace_id: WorkspaceId, key: str) -> list[Any]:
    from kizuna.experiments import api as experiments

    found: list[Any] = []
    for page in range(1, 6):
        batch = experiments.list_records(session, workspace_id, page=page, page_size=200)
        found.extend(r for r in batch.items
                     if str(r.action_kind) == "journey" and r.action_ref == key)
        if len(batch.items) < 200:
            break
    return found
