"""Admin API for the "understand" figures: ``/v1/metrics/overview`` and one section at a time.

Each response is computed on a snapshot of the workspace (see ADR 0003) and reused for
``KIZUNA_ANALYTICS_CACHE_SECONDS``; ``as_of`` in the body says when it was computed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from kizuna.http.deps import ReadKey, RuntimeDep, SessionDep
from kizuna.http.routes.customers import _ERRORS
from kizuna.metrics import api as metrics
from kizuna.types import WorkspaceId

router = APIRouter(prefix="/v1/metrics", tags=["metrics"], responses=_ERRORS)

PeriodQuery = Annotated[str | None, Query(
    max_length=40, description="last-30d (default), 2026-11, 2026-Q3, 2026, or "
    "2026-11-01..2026-11-30 — local dates in the workspace's time zone")]
SegmentQuery = Annotated[str | None, Query(
    max_length=80, description="Limit to an RFM segment (e.g. `At Risk`) or `stage:<name>`")]
ByQuery = Annotated[str | None, Query(
    max_length=20, description="Commerce breakdown: " + ", ".join(metrics.BREAKDOWNS))]
InactiveQuery = Annotated[int, Query(ge=1, le=3650, description="Churn window in days")]
GrainQuery = Annotated[Literal["month", "week"], Query(description="Retention cohorts by")]


def _overview(runtime: Any, session: Any, workspace_id: int, *, period: str | None,
              segment: str | None, by: str | None, sections: tuple[str, ...] | None,
              inactive_days: int, cohort_grain: str) -> dict[str, Any]:
    key = ("overview", workspace_id, period, segment, by, sections, inactive_days, cohort_grain)

    # End the request's transaction (API-key check) before the long read: on SQLite every
    # transaction holds the write lock, and ingest must not wait for a report.
    session.commit()

    def compute() -> dict[str, Any]:
        overview = metrics.compute_overview(
            runtime.sessions, runtime.settings.database_url, WorkspaceId(workspace_id),
            now=runtime.clock.now(), period=period, segment=segment, breakdown=by,
            sections=sections, inactive_days=inactive_days, cohort_grain=cohort_grain)
        data: dict[str, Any] = metrics.to_jsonable(overview)
        return data

    result: dict[str, Any] = runtime.analytics_cache.get_or_compute(key, compute)
    return result


@router.get("/overview", response_model=dict[str, Any])
def overview(key: ReadKey, session: SessionDep, runtime: RuntimeDep, period: PeriodQuery = None,
             segment: SegmentQuery = None, by: ByQuery = None,
             inactive_days: InactiveQuery = 90,
             cohort_grain: GrainQuery = "month") -> dict[str, Any]:
    """Every section of the overview for the period and the previous period of the same
    length: commerce KPIs (with ``by`` breakdown), revenue series, engagement, engagement
    score distribution, cohort retention, churn rate, purchase funnel, journey stages and
    map, RFM, involvement, satisfaction scores, CLV, CLV validation, churn model and the
    at-risk list. A section that cannot be computed is null and explained in ``notes``."""
    return _overview(runtime, session, key.workspace_id, period=period, segment=segment, by=by,
                     sections=None, inactive_days=inactive_days, cohort_grain=cohort_grain)


SectionPath = Annotated[metrics.Section, Path(description="One section of the overview")]


@router.get("/{section}", response_model=dict[str, Any])
def one_section(section: SectionPath, key: ReadKey, session: SessionDep, runtime: RuntimeDep,
                period: PeriodQuery = None, segment: SegmentQuery = None, by: ByQuery = None,
                inactive_days: InactiveQuery = 90,
                cohort_grain: GrainQuery = "month") -> dict[str, Any]:
    """One section of the overview (same parameters and shape; the other sections null)."""
    return _overview(runtime, session, key.workspace_id, period=period, segment=segment, by=by,
                     sections=(section.value,), inactive_days=inactive_days,
                     cohort_grain=cohort_grain)
