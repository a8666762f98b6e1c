"""The overview page: every "understand" figure of a period, with filters (a GET form).

The figures are computed like ``/v1/metrics/overview``: the request's transaction ends first
(on SQLite a transaction holds the write lock), the workspace is read in a short transaction,
the snapshot is taken outside any transaction, and the ``Overview`` is cached per workspace,
period, segment and breakdown for ``KIZUNA_ANALYTICS_CACHE_SECONDS``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kizuna.http.deps import RuntimeDep, SessionDep
from kizuna.metrics import api as metrics
from kizuna.runtime import Runtime
from kizuna.types import WorkspaceId
from kizuna.web import i18n
from kizuna.web.deps import ViewerUser, choose_locale, render
from kizuna.web.overview_model import build_view

router = APIRouter()

PRESETS = ("last-7d", "last-30d", "last-90d", "last-365d")
DEFAULT_PERIOD = "last-30d"
BY_CHOICES = ("none", *metrics.BREAKDOWNS)
SEGMENTS = tuple(str(s) for s in metrics.RfmSegment)
STAGES = tuple(f"stage:{s}" for s in metrics.JourneyStage)


def check_segment(segment: str | None) -> str | None:
    """``None`` for everyone; an RFM segment name or ``stage:<name>``; else 400."""
    if not segment:
        return None
    if segment not in SEGMENTS and segment not in STAGES:
        raise metrics.DimensionInvalid(
            f"Unknown segment {segment!r}; use an RFM segment ({', '.join(SEGMENTS)}) or "
            f"one of {', '.join(STAGES)}.", field="segment", value=segment)
    return segment


def check_breakdown(by: str | None) -> str | None:
    if not by or by == "none":
        return None
    if by not in metrics.BREAKDOWNS:
        raise metrics.DimensionInvalid(
            f"Unknown breakdown {by!r}; use one of {', '.join(BY_CHOICES)}.", field="by",
            value=by)
    return by


def compute_overview(runtime: Runtime, workspace_id: WorkspaceId, *, period: str,
                     segment: str | None, by: str | None) -> metrics.Overview:
    """The (cached) overview; call it outside any transaction."""
    key = ("overview-page", int(workspace_id), period, segment, by)

    def compute() -> metrics.Overview:
        return metrics.compute_overview(
            runtime.sessions, runtime.settings.database_url, workspace_id,
            now=runtime.clock.now(), period=period, segment=segment, breakdown=by)

    result: metrics.Overview = runtime.analytics_cache.get_or_compute(key, compute)
    return result


@router.get("/overview", name="overview")
def overview(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    runtime: RuntimeDep,
    period: Annotated[str, Query(max_length=40)] = DEFAULT_PERIOD,
    custom: Annotated[str, Query(max_length=40)] = "",
    segment: Annotated[str, Query(max_length=80)] = "",
    by: Annotated[str, Query(max_length=20)] = "none",
) -> Response:
    chosen = custom.strip() or period.strip() or DEFAULT_PERIOD
    wanted_segment = check_segment(segment.strip() or None)
    breakdown = check_breakdown(by.strip())
    # End the request's transaction (the login check) before the long read.
    session.commit()
    result = compute_overview(runtime, user.workspace_id, period=chosen,
                              segment=wanted_segment, by=breakdown)
    t = i18n.translator(choose_locale(request, user))
    view = build_view(result, t)
    filters = {
        "period": chosen if chosen in PRESETS else DEFAULT_PERIOD,
        "custom": "" if chosen in PRESETS else chosen,
        "segment": wanted_segment or "",
        "by": breakdown or "none",
    }
    segment_options = [
        (str(s), t(f"rfm.segment.{s.name.lower()}")) for s in metrics.RfmSegment]
    stage_options = [(f"stage:{s}", t(f"journey.stage.{s}")) for s in metrics.JourneyStage]
    return render(request, "overview/page.html", {
        "view": view, "links": True, "filters": filters, "presets": PRESETS,
        "breakdowns": BY_CHOICES, "segment_options": segment_options,
        "stage_options": stage_options,
    })
