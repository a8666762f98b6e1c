"""Date and schedule triggers: enrol customers whose local date and time have come.

Date triggers (``birthday``, a date trait, ``last_order`` + N days) are checked per time zone
present among the workspace's customers: once the local clock in a zone has passed the
trigger's time, the customers of that zone whose date matches *today* are selected in SQL and
enrolled with a trigger key of the date (``birthday:2026``, ``last_order:2026-11-02``), so
each enrols once however often the ticker runs. Schedule triggers enrol a segment's members
once per day or week at a workspace-local time. New runs start from the ticker (state
``waiting``, due now), not inline, so a large segment spreads over several batches.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, exists, extract, func, literal, not_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from kizuna.db.dialect import is_postgres
from kizuna.db.engine import transaction
from kizuna.db.metadata import import_all_tables
from kizuna.journeys.contracts import (
    OPEN_STATES,
    DateTrigger,
    ReEntry,
    RunState,
    ScheduleTrigger,
    Status,
)
from kizuna.journeys.engine import definition_of
from kizuna.journeys.tables import JourneyRow, JourneyRunRow
from kizuna.journeys.triggers import LiveJourney, insert_runs, run_values, trigger_key

BATCH = 2000


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _month_days(day: date) -> list[tuple[int, int]]:
    """The (month, day) pairs celebrated on ``day`` (29 Feb falls on 28 Feb in other years)."""
    pairs = [(day.month, day.day)]
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        pairs.append((2, 29))
    return pairs


def _not_enrolled(j: LiveJourney, key: str) -> Any:
    r = JourneyRunRow
    c = import_all_tables().tables["customers"]
    same = [r.journey_id == j.id, r.customer_id == c.c.id]
    if j.definition.re_entry == ReEntry.ONCE:
        return not_(exists().where(*same))
    cond = not_(exists().where(*same, r.trigger_key == key))
    if j.definition.re_entry == ReEntry.AFTER_EXIT:
        cond = and_(cond, not_(exists().where(*same, r.state.in_(list(OPEN_STATES)))))
    return cond


def _date_match(session: Session, trig: DateTrigger, target: date, zone: ZoneInfo) -> Any:
    tables = import_all_tables().tables
    c = tables["customers"]
    if trig.field == "birthday":
        return or_(*[and_(extract("month", c.c.birthday) == m, extract("day", c.c.birthday) == d)
                     for m, d in _month_days(target)])
    if trig.field.startswith("traits."):
        name = trig.field.removeprefix("traits.")
        text: Any
        if is_postgres(session):
            text = c.c.traits.op("->>")(literal(name))
        else:
            text = func.json_extract(c.c.traits, '$."' + name + '"')
        return func.substr(text, 6, 5).in_([f"{m:02d}-{d:02d}" for m, d in _month_days(target)])
    # last_order: the customer's latest order was placed on the local day ``target``
    o = tables["orders"]
    o2 = o.alias("later")
    start = datetime.combine(target, time(0), zone)
    end = datetime.combine(target + timedelta(days=1), time(0), zone)
    return exists().where(
        o.c.customer_id == c.c.id, o.c.placed_at >= start, o.c.placed_at < end,
        o.c.status != "cancelled",
        not_(exists().where(o2.c.customer_id == o.c.customer_id, o2.c.placed_at >= end,
                            o2.c.status != "cancelled")))


def _trigger_date_key(trig: DateTrigger, local_day: date, target: date) -> str:
    if trig.field == "last_order":
        return f"last_order:{target.isoformat()}"
    return f"{trig.field}:{local_day.year}"


def _enrol_ids(session: Session, j: LiveJourney, ids: Iterable[int], key: str,
               now: datetime) -> int:
    ids = list(ids)
    if j.definition.re_entry == ReEntry.AFTER_EXIT and ids:
        busy = set(session.scalars(select(JourneyRunRow.customer_id).where(
            JourneyRunRow.journey_id == j.id, JourneyRunRow.customer_id.in_(ids),
            JourneyRunRow.state.in_(list(OPEN_STATES)))))
        ids = [i for i in ids if i not in busy]
    run_key = trigger_key(j.definition, key)
    values = [run_values(j, cid, run_key, 0, {"trigger": key}, now, state=RunState.WAITING,
                         due_at=now) for cid in ids]
    return len(insert_runs(session, values))


def _enrol_date(session: Session, j: LiveJourney, trig: DateTrigger, ws_zone: str,
                now: datetime) -> int:
    c = import_all_tables().tables["customers"]
    zones = [z for (z,) in session.execute(select(c.c.timezone).where(
        c.c.workspace_id == j.workspace_id, c.c.merged_into_id.is_(None)).distinct())]
    fallback = _zone(ws_zone) or ZoneInfo("UTC")
    hour, minute = (int(x) for x in trig.at.split(":"))
    enrolled = 0
    for raw in zones:
        zone = _zone(raw) or fallback
        local = now.astimezone(zone)
        if local.time() < time(hour, minute):
            continue
        target = local.date() - timedelta(days=trig.offset_days)
        key = _trigger_date_key(trig, local.date(), target)
        in_zone = c.c.timezone.is_(None) if raw is None else c.c.timezone == raw
        query = (select(c.c.id).where(
            c.c.workspace_id == j.workspace_id, c.c.merged_into_id.is_(None), in_zone,
            _date_match(session, trig, target, zone), _not_enrolled(j, key))
            .order_by(c.c.id).limit(BATCH))
        while ids := [int(i) for i in session.scalars(query)]:
            added = _enrol_ids(session, j, ids, key, now)
            enrolled += added
            if len(ids) < BATCH or not added:
                break
    return enrolled


def _enrol_schedule(session: Session, j: LiveJourney, trig: ScheduleTrigger, ws_zone: str,
                    now: datetime) -> int:
    from kizuna.segments import api as segments

    local = now.astimezone(_zone(ws_zone) or ZoneInfo("UTC"))
    hour, minute = (int(x) for x in trig.at.split(":"))
    if local.time() < time(hour, minute):
        return 0
    if trig.every == "week" and local.weekday() != trig.weekday:
        return 0
    key = f"schedule:{local.date().isoformat()}"
    enrolled, after = 0, 0
    while ids := segments.list_members(session, j.workspace_id, trig.segment,  # type: ignore[arg-type]
                                       limit=BATCH, after=after):
        after = ids[-1]
        enrolled += _enrol_ids(session, j, ids, key, now)
    return enrolled


def enrol_scheduled(sessions: sessionmaker[Session], now: datetime) -> int:
    """Enrol every customer whose date or schedule trigger is due (idempotent)."""
    w = import_all_tables().tables["workspaces"]
    with transaction(sessions) as session:
        todo = [(r.id, r.key, r.workspace_id, r.current_version, str(tz or "UTC"))
                for r, tz in session.execute(
                    select(JourneyRow, w.c.timezone).join(w, w.c.id == JourneyRow.workspace_id)
                    .where(JourneyRow.status == Status.LIVE.value,
                           JourneyRow.trigger_kind.in_(["date", "schedule"])))]
    total = 0
    for jid, key, ws, version, tz in todo:
        with transaction(sessions) as session:
            j = LiveJourney(jid, key, ws, version, definition_of(session, jid, version))
            trig = j.definition.trigger
            if isinstance(trig, DateTrigger):
                total += _enrol_date(session, j, trig, tz, now)
            elif isinstance(trig, ScheduleTrigger):
                total += _enrol_schedule(session, j, trig, tz, now)
    return total


__all__ = ["enrol_scheduled", "trigger_key"]
