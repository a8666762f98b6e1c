"""Incremental membership: re-check every segment for just the customers something happened to.

:func:`apply_events` is the dispatcher's ``segments`` consumer: the customers of a batch of
stored events (any type: a track may create an order, an identify changes traits, a page
may create the profile, an alias merges two) are re-evaluated with
:func:`reevaluate_customers`, which runs each segment's compiled select restricted to those
customers (``customers.id IN (…)``, ≤ 1000 per statement), diffs with their membership rows,
inserts/deletes, keeps ``segments.size`` up to date and records ``Segment Entered`` /
``Segment Exited`` events.

Idempotent: the decision is a diff against the stored memberships, so handing the same
events over again (a crash before the position was saved) changes nothing and records
nothing. Message ids are ``segment:{id}:{enter|exit}:{customer}:c{n}`` with ``n`` a
per-segment change counter (``segment_live_state.changes``), distinct from the full
recompute's ``…:{run}``; the segment rows are locked (``FOR UPDATE`` on PostgreSQL) while a
batch changes them, so two writers never take the same ``n`` or double a membership.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kizuna.db.dialect import is_postgres
from kizuna.ingest import api as ingest
from kizuna.ingest.api import FeedEvent
from kizuna.segments.compile import Compiler
from kizuna.segments.conditions import parse, referenced_segments
from kizuna.segments.contracts import (
    AllOf,
    AnyOf,
    Condition,
    DidEvent,
    InSegment,
    NotOf,
    RecomputeOutcome,
)
from kizuna.segments.live_tables import SegmentLiveRow
from kizuna.segments.membership import ENTERED, EXITED
from kizuna.segments.store import member_count
from kizuna.segments.tables import SegmentMembershipRow, SegmentRow
from kizuna.types import WorkspaceId

CHUNK = 1000
SEGMENT_EVENTS = frozenset({ENTERED, EXITED})


def leaves(cond: Condition, resolve: dict[str, Condition],
           seen: tuple[str, ...] = ()) -> Iterable[Condition]:
    """Every leaf of ``cond``, following ``segment`` references (which compile inline)."""
    if isinstance(cond, AllOf | AnyOf):
        for c in cond.items:
            yield from leaves(c, resolve, seen)
    elif isinstance(cond, NotOf):
        yield from leaves(cond.item, resolve, seen)
    elif isinstance(cond, InSegment):
        if cond.key not in seen and cond.key in resolve:
            yield from leaves(resolve[cond.key], resolve, (*seen, cond.key))
    else:
        yield cond


def ordered_segments(rows: Sequence[SegmentRow]) -> list[tuple[SegmentRow, Condition]]:
    """Segments with their parsed conditions, the ones referred to before those that refer."""
    parsed = {r.key: (r, parse(r.condition, f"segment {r.key}")) for r in rows}
    done: dict[str, tuple[SegmentRow, Condition]] = {}

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in done or key not in parsed or key in path:
            return
        for ref in referenced_segments(parsed[key][1]):
            visit(ref, (*path, key))
        done[key] = parsed[key]

    for key in sorted(parsed):
        visit(key, ())
    return list(done.values())


def _compiler(session: Session, workspace_id: WorkspaceId, now: datetime,
              conditions: dict[str, Condition]) -> Compiler:
    def resolve(key: str) -> Condition:
        return conditions[key]
    return Compiler(workspace_id, now, postgres=is_postgres(session), resolve=resolve)


def _live(session: Session, segment_id: int) -> SegmentLiveRow:
    live = session.get(SegmentLiveRow, segment_id)
    if live is None:
        live = SegmentLiveRow(segment_id=segment_id, changes=0)
        session.add(live)
        session.flush()
    return live


def _locked_rows(session: Session, workspace_id: WorkspaceId) -> list[SegmentRow]:
    """The workspace's segments, locked in key order (the full recompute's order)."""
    return list(session.scalars(select(SegmentRow).where(SegmentRow.workspace_id == workspace_id)
                                .order_by(SegmentRow.key).with_for_update()))


def _diff_one(session: Session, row: SegmentRow, cond: Condition, compiler: Compiler,
              ids: Sequence[int], now: datetime) -> tuple[list[int], list[int], int]:
    """Insert/delete memberships of ``ids`` in ``row``; (entered, exited) customer ids and
    the number of rows doubled by a profile merge that were dropped."""
    m = SegmentMembershipRow
    c = compiler.customers
    entered: list[int] = []
    exited: list[int] = []
    doubled = 0
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        compiler.only = chunk
        try:
            query: Any = compiler.select(cond).where(c.c.id.in_(chunk))
        finally:
            compiler.only = None
        now_in = {int(i) for i in session.scalars(query)}
        have: dict[int, list[int]] = defaultdict(list)
        for mid, cid in session.execute(
                select(m.id, m.customer_id).where(m.segment_id == row.id,
                                                  m.customer_id.in_(chunk))
                .order_by(m.id)):
            have[int(cid)].append(int(mid))
        extra = [mid for mids in have.values() for mid in mids[1:]]  # doubled by a merge
        leave = sorted(set(have) - now_in)
        enter = sorted(now_in - set(have))
        gone = extra + [mid for cid in leave for mid in have[cid][:1]]
        if gone:
            session.execute(delete(m).where(m.id.in_(gone)))
        if enter:
            session.execute(insert(m), [{"segment_id": row.id, "customer_id": cid,
                                         "entered_at": now} for cid in enter])
        entered.extend(enter)
        exited.extend(leave)
        doubled += len(extra)
    return entered, exited, doubled


def reevaluate_customers(session: Session, workspace_id: WorkspaceId,
                         customer_ids: Iterable[int], now: datetime, *,
                         segment_keys: Iterable[str] | None = None) -> list[RecomputeOutcome]:
    """Re-check every segment of the workspace (or just ``segment_keys``) for these customers:
    memberships inserted/deleted, ``Segment Entered`` / ``Segment Exited`` recorded, sizes
    kept. Returns one outcome per segment that changed (``run`` is the change counter)."""
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return []
    all_rows = _locked_rows(session, workspace_id)
    if not all_rows:
        return []
    ordered = ordered_segments(all_rows)
    conditions = {r.key: cond for r, cond in ordered}
    compiler = _compiler(session, workspace_id, now, conditions)
    wanted = None if segment_keys is None else set(segment_keys)
    outcomes: list[RecomputeOutcome] = []
    records: list[tuple[int, str, dict[str, str], str]] = []
    for row, cond in ordered:
        if wanted is not None and row.key not in wanted:
            continue
        entered, exited, doubled = _diff_one(session, row, cond, compiler, ids, now)
        if doubled and not entered and not exited:  # a merge: the merged-away id left
            row.size = member_count(session, row.id)
        if not entered and not exited:
            continue
        live = _live(session, row.id)
        live.changes += 1
        token = f"c{live.changes}"
        props = {"segment": row.key, "segment_name": row.name}
        records.extend((cid, event, props, f"segment:{row.id}:{kind}:{cid}:{token}")
                       for kind, event, who in (("enter", ENTERED, entered),
                                                ("exit", EXITED, exited))
                       for cid in who)
        if row.size is None or doubled:
            row.size = member_count(session, row.id)
        else:
            row.size = max(0, row.size + len(entered) - len(exited))
        session.flush()
        outcomes.append(RecomputeOutcome(key=row.key, size=row.size, entered=len(entered),
                                         exited=len(exited), run=live.changes))
    ingest.record_customer_events(session, workspace_id, records, at=now)
    return outcomes


def _segment_event_names(session: Session, workspace_id: int) -> set[str]:
    """The segment events (Entered/Exited) some segment of the workspace reacts to."""
    rows = list(session.scalars(select(SegmentRow).where(SegmentRow.workspace_id == workspace_id)))
    conditions = {r.key: parse(r.condition, f"segment {r.key}") for r in rows}
    return {leaf.event for cond in conditions.values() for leaf in leaves(cond, conditions)
            if isinstance(leaf, DidEvent) and leaf.event in SEGMENT_EVENTS}


def apply_events(session: Session, events: Sequence[FeedEvent], now: datetime) -> None:
    """The dispatcher's consumer: re-evaluate the customers these events touched."""
    touched: dict[int, set[int]] = defaultdict(set)
    segment_events: dict[int, list[FeedEvent]] = defaultdict(list)
    for e in events:
        if e.customer_id is None:
            continue
        if e.type == "track" and e.event in SEGMENT_EVENTS:
            segment_events[e.workspace_id].append(e)
        else:
            touched[e.workspace_id].add(e.customer_id)
    for workspace_id, evs in segment_events.items():
        names = _segment_event_names(session, workspace_id)
        touched[workspace_id].update(e.customer_id for e in evs
                                     if e.event in names and e.customer_id is not None)
    with_segments = set(session.scalars(
        select(SegmentRow.workspace_id).where(SegmentRow.workspace_id.in_(list(touched)))
        .group_by(SegmentRow.workspace_id))) if touched else set()
    for workspace_id in sorted(touched):
        if workspace_id in with_segments and touched[workspace_id]:
            reevaluate_customers(session, WorkspaceId(workspace_id), touched[workspace_id], now)


def segment_workspaces(session: Session) -> list[WorkspaceId]:
    return [WorkspaceId(int(w)) for w in session.scalars(
        select(SegmentRow.workspace_id).group_by(SegmentRow.workspace_id)
        .order_by(SegmentRow.workspace_id))]


def membership_counts(session: Session, segment_id: int) -> int:
    """Rows (not distinct customers) of a segment: tests check no row is doubled."""
    m = SegmentMembershipRow
    return int(session.scalar(select(func.count()).where(m.segment_id == segment_id)) or 0)
