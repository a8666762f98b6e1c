"""Facade of the metrics domain: snapshot a workspace, compute the overview or one section.

Adapters call only this module (``from kizuna.metrics import api as metrics``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from kizuna.analytics.snapshot import Snapshot, take_snapshot
from kizuna.metrics.contracts import Change, Score, ScoreKind
from kizuna.metrics.customer_nps import NPS_GROUPS, CustomerNps, customer_nps, nps_group
from kizuna.metrics.engagement import engagement_scores
from kizuna.metrics.errors import DimensionInvalid, NotEnoughData
from kizuna.metrics.journeys import JourneyStage, customer_stages, journey_stages
from kizuna.metrics.periods import Period, parse_period
from kizuna.metrics.report import BREAKDOWNS, Overview, Section, SectionNote, build_overview
from kizuna.metrics.rfm import RfmSegment, rfm
from kizuna.metrics.satisfaction import change as satisfaction_change
from kizuna.metrics.satisfaction import score as satisfaction_score
from kizuna.metrics.serialise import to_jsonable
from kizuna.types import WorkspaceId
from kizuna.workspaces import api as workspaces
from kizuna.workspaces.contracts import Workspace

__all__ = [
    "BREAKDOWNS",
    "NPS_GROUPS",
    "Change",
    "CustomerNps",
    "DimensionInvalid",
    "JourneyStage",
    "NotEnoughData",
    "Overview",
    "Period",
    "RfmSegment",
    "Score",
    "ScoreKind",
    "Section",
    "SectionNote",
    "build_overview",
    "compute_overview",
    "customer_groups",
    "customer_nps",
    "customer_stages",
    "engagement_scores",
    "get_workspace",
    "local_today",
    "nps_group",
    "parse_period",
    "rfm",
    "satisfaction_change",
    "satisfaction_score",
    "snapshot_workspace",
    "to_jsonable",
]


def snapshot_workspace(database_url: str, workspace: Workspace, *, as_of: datetime) -> Snapshot:
    """Read ``workspace`` of the store into a new analytics snapshot (in the workspace's time
    zone). DuckDB reads the store on its own read-only connection, so call this outside a
    transaction (on SQLite a transaction holds the write lock). The caller closes the
    snapshot (it is a context manager)."""
    return take_snapshot(
        database_url, workspace.id, timezone=workspace.timezone, currency=workspace.currency,
        as_of=as_of,
    )


def get_workspace(session: Session, workspace_id: WorkspaceId) -> Workspace:
    return workspaces.get_workspace(session, workspace_id)


def local_today(snap: Snapshot) -> datetime:
    """``snap.as_of`` in the snapshot's time zone."""
    return snap.as_of.astimezone(snap.zone)


def compute_overview(
    sessions: sessionmaker[Session],
    database_url: str,
    workspace_id: WorkspaceId,
    *,
    now: datetime,
    period: str | None,
    segment: str | None = None,
    breakdown: str | None = None,
    sections: Iterable[Section | str] | None = None,
    inactive_days: int = 90,
    cohort_grain: str = "month",
) -> Overview:
    """The overview of ``period`` (text, see ``parse_period``; local to the workspace) as of
    ``now``: the workspace is read in a short transaction of its own and the store is
    snapshotted outside any transaction, so call this after ending the caller's (on SQLite a
    transaction holds the write lock, and ingest must not wait for a report)."""
    with sessions() as short, short.begin():
        ws = workspaces.get_workspace(short, workspace_id)
    with snapshot_workspace(database_url, ws, as_of=now) as snap:
        chosen = parse_period(period, today=now.astimezone(snap.zone).date())
        return build_overview(snap, chosen, segment=segment, breakdown=breakdown,
                              sections=sections, inactive_days=inactive_days,
                              cohort_grain=cohort_grain)


def customer_groups(
    sessions: sessionmaker[Session],
    database_url: str,
    workspace_id: WorkspaceId,
    *,
    by: str,
    now: datetime,
) -> dict[int, str]:
    """Customer id → group for breakdowns elsewhere (survey results): ``by="segment"`` maps
    each buyer to their RFM segment, ``by="stage"`` each person to their journey stage, as of
    ``now``; customers without one are left out. Call outside a transaction (it snapshots the
    store, like :func:`compute_overview`)."""
    if by not in ("segment", "stage"):
        raise DimensionInvalid(f"Group customers by 'segment' or 'stage', not {by!r}.",
                               field="by")
    with sessions() as short, short.begin():
        ws = workspaces.get_workspace(short, workspace_id)
    with snapshot_workspace(database_url, ws, as_of=now) as snap:
        if by == "segment":
            try:
                return {cid: c.segment.value for cid, c in rfm(snap).customers.items()}
            except NotEnoughData:
                return {}
        stages = journey_stages(snap).stage_of_customer
        return {cid: stage.value for cid, stage in stages.items() if stage is not None}
