"""Time-based conditions without a full recompute, and consent changes.

A condition with a window (``event … within_days``, ``orders … within_days``,
``no_order_for_days``) changes its truth value when time passes: an event or order of D days
ago drops out of the window. :func:`sweep_time_windows` (a dispatcher ticker, every
``KIZUNA_SEGMENT_TIME_SWEEP_SECONDS``) finds, per segment and window, the *boundary
candidates*: customers with a relevant event/order whose timestamp is in ``[last sweep − D,
now − D)``, and re-evaluates just those. The last sweep time is kept per segment
(``segment_live_state.swept_at``; a segment never swept starts from its last full recompute).

Consents are rows, not events: :func:`sweep_consents` (a ticker every second) re-evaluates,
for the segments with a ``consent`` condition, the customers with consent rows recorded
since the segment's ``consent_position``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kizuna.db.engine import transaction
from kizuna.segments.compile import table
from kizuna.segments.conditions import parse
from kizuna.segments.contracts import Condition, DidEvent, HasConsent, NoOrderFor, OrdersMatch
from kizuna.segments.incremental import (
    leaves,
    reevaluate_customers,
    segment_workspaces,
)
from kizuna.segments.live_tables import SegmentLiveRow
from kizuna.segments.tables import SegmentRow
from kizuna.types import WorkspaceId


def windows(cond: Condition, resolve: dict[str, Condition]) -> set[tuple[str, str | None, int]]:
    """(kind, event name or None, days) of each time window in ``cond``."""
    out: set[tuple[str, str | None, int]] = set()
    for leaf in leaves(cond, resolve):
        if isinstance(leaf, DidEvent) and leaf.within_days:
            out.add(("event", leaf.event, leaf.within_days))
        elif isinstance(leaf, OrdersMatch) and leaf.within_days:
            out.add(("orders", None, leaf.within_days))
        elif isinstance(leaf, NoOrderFor):
            out.add(("orders", None, leaf.days))
    return out


def boundary_candidates(session: Session, workspace_id: WorkspaceId,
                        window: tuple[str, str | None, int], since: datetime,
                        now: datetime) -> set[int]:
    """Customers with an event/order that left the window between ``since`` and ``now``."""
    kind, name, days = window
    lo, hi = since - timedelta(days=days), now - timedelta(days=days)
    if hi <= lo:
        return set()
    if kind == "event":
        e = table("events")
        query = select(e.c.customer_id).where(
            e.c.workspace_id == workspace_id, e.c.type == "track", e.c.event == name,
            e.c.timestamp >= lo, e.c.timestamp < hi, e.c.customer_id.is_not(None))
    else:
        o = table("orders")
        query = select(o.c.customer_id).where(
            o.c.workspace_id == workspace_id, o.c.placed_at >= lo, o.c.placed_at < hi,
            o.c.customer_id.is_not(None))
    return {int(i) for i in session.scalars(query.distinct())}


def _conditions(session: Session, workspace_id: WorkspaceId) -> tuple[
        list[SegmentRow], dict[str, Condition]]:
    rows = list(session.scalars(select(SegmentRow).where(SegmentRow.workspace_id == workspace_id)
                                .order_by(SegmentRow.key)))
    return rows, {r.key: parse(r.condition, f"segment {r.key}") for r in rows}


def sweep_workspace(session: Session, workspace_id: WorkspaceId, now: datetime) -> int:
    """One time sweep of a workspace; returns how many memberships changed."""
    rows, conditions = _conditions(session, workspace_id)
    changed = 0
    for row in rows:
        found = windows(conditions[row.key], conditions)
        live = session.get(SegmentLiveRow, row.id)
        if live is None:
            live = SegmentLiveRow(segment_id=row.id, changes=0)
            session.add(live)
        since = live.swept_at or row.computed_at or now
        live.swept_at = now
        session.flush()
        if not found or since >= now:
            continue
        candidates: set[int] = set()
        for window in found:
            candidates |= boundary_candidates(session, workspace_id, window, since, now)
        for outcome in reevaluate_customers(session, workspace_id, candidates, now,
                                            segment_keys=[row.key]):
            changed += outcome.entered + outcome.exited
    return changed


def sweep_time_windows(sessions: sessionmaker[Session], now: datetime) -> dict[int, int]:
    """The ticker: sweep every workspace with segments (one transaction each); returns
    {workspace id: memberships changed}."""
    with transaction(sessions) as session:
        workspaces = segment_workspaces(session)
    out: dict[int, int] = {}
    for workspace_id in workspaces:
        with transaction(sessions) as session:
            out[workspace_id] = sweep_workspace(session, workspace_id, now)
    return out


def sweep_consents(sessions: sessionmaker[Session], now: datetime) -> dict[int, int]:
    """The ticker: re-evaluate customers whose consents changed, for segments that use
    consent; returns {workspace id: memberships changed}."""
    k = table("consents")
    out: dict[int, int] = {}
    with transaction(sessions) as session:
        workspaces = segment_workspaces(session)
    for workspace_id in workspaces:
        with transaction(sessions) as session:
            rows, conditions = _conditions(session, workspace_id)
            users = [r for r in rows if any(isinstance(leaf, HasConsent) for leaf in
                                            leaves(conditions[r.key], conditions))]
            if not users:
                continue
            top = int(session.scalar(select(func.max(k.c.id)).where(
                k.c.workspace_id == workspace_id)) or 0)
            by_position: dict[int, list[SegmentRow]] = defaultdict(list)
            for row in users:
                live = session.get(SegmentLiveRow, row.id)
                if live is None:
                    live = SegmentLiveRow(segment_id=row.id, changes=0)
                    session.add(live)
                if live.consent_position is None:
                    live.consent_position = top  # a new consent segment starts at the end
                elif live.consent_position < top:
                    by_position[live.consent_position].append(row)
                    live.consent_position = top
            session.flush()
            changed = 0
            for position, segs in by_position.items():
                ids = {int(i) for i in session.scalars(
                    select(k.c.customer_id).where(k.c.workspace_id == workspace_id,
                                                  k.c.id > position, k.c.id <= top).distinct())}
                for outcome in reevaluate_customers(session, workspace_id, ids, now,
                                                    segment_keys=[r.key for r in segs]):
                    changed += outcome.entered + outcome.exited
            out[workspace_id] = changed
    return out
