"""Full recompute of a segment: diff old vs new membership in SQL, record enter/exit events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, exists, func, insert, literal, not_, select, text, true
from sqlalchemy.orm import Session

from kizuna.db.metadata import BigId, UtcDateTime
from kizuna.ingest import api as ingest
from kizuna.segments.compile import Compiler
from kizuna.segments.contracts import Condition, RecomputeOutcome
from kizuna.segments.store import member_count
from kizuna.segments.tables import SegmentMembershipRow, SegmentRow
from kizuna.types import WorkspaceId

ENTERED, EXITED = "Segment Entered", "Segment Exited"


def recompute(session: Session, row: SegmentRow, cond: Condition, compiler: Compiler,
              now: datetime, *, emit_events: bool = True) -> RecomputeOutcome:
    """Bring ``row``'s memberships in line with ``cond`` at ``now``; one event per change."""
    m: Table = SegmentMembershipRow.__table__  # type: ignore[assignment]
    run = row.recompute_count + 1
    new = compiler.select(cond).subquery("new")
    # no members yet (first run): a plain INSERT … SELECT; the anti join against an empty,
    # never-analysed table was planned badly on PostgreSQL (50 s for 105 k rows at 1 M)
    has_members = session.scalar(select(m.c.id).where(m.c.segment_id == row.id).limit(1))
    already = exists().where(m.c.segment_id == row.id, m.c.customer_id == new.c.id)
    entered = [int(i) for i in session.scalars(
        insert(m).from_select(
            ["segment_id", "customer_id", "entered_at"],
            select(literal(row.id, BigId), new.c.id, literal(now, UtcDateTime()))
            .where(not_(already) if has_members else true()))
        .returning(m.c.customer_id))]
    if entered and len(entered) >= 1000 and session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE segment_memberships"))  # fresh stats: plan a hash join
    # leavers: an anti join of the memberships with the compiled set (hash join on PostgreSQL;
    # a correlated NOT EXISTS re-ran the condition per member and was ~10x slower)
    now_in = compiler.select(cond).subquery("now_in")
    m2 = m.alias("m2")
    gone = (select(m2.c.id).select_from(m2.outerjoin(now_in, now_in.c.id == m2.c.customer_id))
            .where(m2.c.segment_id == row.id, now_in.c.id.is_(None)))
    exited = [int(i) for i in session.scalars(
        delete(m).where(m.c.id.in_(gone)).returning(m.c.customer_id))]
    # rows doubled by a profile merge: keep the oldest of each (segment, customer)
    ranked = select(m.c.id, func.row_number().over(
        partition_by=m.c.customer_id, order_by=m.c.id).label("n")).where(
        m.c.segment_id == row.id).subquery("ranked")
    session.execute(delete(m).where(m.c.id.in_(select(ranked.c.id).where(ranked.c.n > 1))))
    if emit_events:  # one bulk insert (a first run may put 100 k customers in a segment)
        props = {"segment": row.key, "segment_name": row.name}
        ingest.record_customer_events(
            session, WorkspaceId(row.workspace_id),
            [(cid, event, props, f"segment:{row.id}:{kind}:{cid}:{run}")
             for kind, event, ids in (("enter", ENTERED, entered), ("exit", EXITED, exited))
             for cid in sorted(set(ids))], at=now)
    row.recompute_count = run
    row.size = member_count(session, row.id)
    row.computed_at = now
    session.flush()
    return RecomputeOutcome(key=row.key, size=row.size, entered=len(set(entered)),
                            exited=len(set(exited)), run=run)
