"""The overview: every "understand" figure for one period, computed on one snapshot.

``build_overview`` runs each section (commerce, engagement, retention, funnel, journeys,
RFM, involvement, satisfaction, CLV, churn) and keeps going when one of them cannot be
computed: that section is None and ``notes`` says why (e.g. "no repeat buyers yet"), so a
young shop still gets the figures it has. The CLI report, ``/v1/metrics/overview`` and the
dashboard all show this one object.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kizuna.analytics.snapshot import Snapshot, restrict
from kizuna.errors import KizunaError
from kizuna.metrics import commerce as commerce_m
from kizuna.metrics import engagement as engagement_m
from kizuna.metrics import feedback_scores as feedback_m
from kizuna.metrics import funnel as funnel_m
from kizuna.metrics import involvement as involvement_m
from kizuna.metrics import journeys as journeys_m
from kizuna.metrics import retention as retention_m
from kizuna.metrics import rfm as rfm_m
from kizuna.metrics.contracts import Kpi
from kizuna.metrics.errors import DimensionInvalid
from kizuna.metrics.periods import Period
from kizuna.predict import api as predict

log = logging.getLogger("kizuna.metrics")


class Section(enum.StrEnum):
    COMMERCE = "commerce"
    SERIES = "series"
    ENGAGEMENT = "engagement"
    ENGAGEMENT_SCORES = "engagement_scores"
    RETENTION = "retention"
    CHURN_RATE = "churn_rate"
    FUNNEL = "funnel"
    JOURNEY = "journey"
    RFM = "rfm"
    INVOLVEMENT = "involvement"
    SATISFACTION = "satisfaction"
    CLV = "clv"
    CLV_VALIDATION = "clv_validation"
    CHURN_MODEL = "churn_model"
    AT_RISK = "at_risk"


#: Dimensions the commerce breakdown and the segment filter understand.
BREAKDOWNS = ("category", "channel", "country", "segment", "stage")


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionNote:
    """Why a section is missing (or partial): the error code and its message."""

    section: str
    code: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Overview:
    """Every figure of the overview; a section is None when it could not be computed."""

    period_start: date
    period_end: date
    previous_start: date
    previous_end: date
    as_of: datetime
    timezone: str
    currency: str
    segment: str | None
    breakdown: str | None
    counts: dict[str, int]
    commerce: commerce_m.CommerceReport | None = None
    series: commerce_m.RevenueSeries | None = None
    engagement: engagement_m.EngagementReport | None = None
    engagement_scores: engagement_m.EngagementSummary | None = None
    retention: retention_m.CohortMatrix | None = None
    churn_rate: Kpi | None = None
    funnel: funnel_m.Funnel | None = None
    journey: journeys_m.JourneyReport | None = None
    rfm: rfm_m.RfmReport | None = None
    involvement: involvement_m.InvolvementReport | None = None
    satisfaction: feedback_m.SatisfactionReport | None = None
    clv: predict.ClvReport | None = None
    clv_validation: predict.ClvValidation | None = None
    churn_model: predict.ChurnReport | None = None
    at_risk: tuple[predict.AtRiskCustomer, ...] | None = None
    notes: tuple[SectionNote, ...] = ()
    data_notes: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)


def series_grain(period: Period) -> str:
    """Day points up to two months, weeks up to a year, months beyond."""
    return "day" if period.days <= 62 else "week" if period.days <= 366 else "month"


def segment_members(snap: Snapshot, segment: str) -> tuple[str, list[int]]:
    """Customer ids of ``segment``: an RFM segment name (``Champions``, ``At Risk``, …) or a
    journey stage (``stage:retention``). Returns (label, ids)."""
    if segment.startswith("stage:"):
        wanted = segment.split(":", 1)[1]
        report = journeys_m.journey_stages(snap)
        ids = [cid for cid, stage in report.stage_of_customer.items() if str(stage) == wanted]
        return f"journey stage {wanted}", ids
    report_rfm = rfm_m.rfm(snap)
    valid = sorted(str(s) for s in rfm_m.RfmSegment)
    if segment not in valid:
        raise DimensionInvalid(
            f"Unknown segment {segment!r}; use an RFM segment ({', '.join(valid)}) or "
            "stage:<awareness|consideration|purchase|retention|advocacy>.", field="segment",
            value=segment)
    ids = [cid for cid, row in report_rfm.customers.items() if str(row.segment) == segment]
    return f"RFM segment {segment}", ids


def _segment_map(
    dimension: str, rfm_report: rfm_m.RfmReport | None, journey: journeys_m.JourneyReport | None
) -> dict[int, str]:
    """customer id -> RFM segment name or journey stage, from an already computed report."""
    if dimension == "segment":
        assert rfm_report is not None
        return {cid: str(row.segment) for cid, row in rfm_report.customers.items()}
    assert journey is not None
    return {cid: str(stage) for cid, stage in journey.stage_of_customer.items() if stage}


def build_overview(
    snap: Snapshot,
    period: Period,
    *,
    segment: str | None = None,
    breakdown: str | None = None,
    sections: Iterable[Section | str] | None = None,
    inactive_days: int = 90,
    cohort_grain: str = "month",
    on_section: Callable[[str], None] | None = None,
) -> Overview:
    """Compute the overview of ``period`` (and its previous period) on ``snap``.

    ``segment`` limits every figure to an RFM segment or ``stage:<name>``; ``breakdown``
    adds the commerce breakdown by ``category``, ``channel``, ``country``, ``segment`` (RFM)
    or ``stage`` (the last two also split the funnel and the satisfaction scores);
    ``sections`` picks what to compute (default: all); ``cohort_grain`` is ``month`` (12
    months of retention) or ``week`` (12 weeks). ``on_section`` is
    called with each section's name before it runs (for progress bars).
    """
    if breakdown is not None and breakdown not in BREAKDOWNS:
        raise DimensionInvalid(
            f"Unknown breakdown {breakdown!r}; use one of {', '.join(BREAKDOWNS)}.",
            field="breakdown", value=breakdown)
    wanted = [Section(s) for s in sections] if sections is not None else list(Section)
    if segment:
        label, ids = segment_members(snap, segment)
        snap = restrict(snap, ids, label=f"Limited to the {len(ids):,} customers of {label}.")
    results: dict[str, Any] = {}
    notes: list[SectionNote] = []
    seconds: dict[str, float] = {}

    def run(name: Section, compute: Callable[[], Any]) -> None:
        if name not in wanted:
            return
        if on_section is not None:
            on_section(str(name))
        started = time.perf_counter()
        try:
            results[str(name)] = compute()
        except KizunaError as exc:
            notes.append(SectionNote(section=str(name), code=exc.code, message=str(exc)))
        finally:
            seconds[str(name)] = round(time.perf_counter() - started, 4)

    # RFM and journey stages first: a segment or stage breakdown reuses them.
    run(Section.RFM, lambda: rfm_m.rfm(snap))
    run(Section.JOURNEY, lambda: journeys_m.journey_stages(snap))
    mapping: dict[int, str] | None = None
    if breakdown in ("segment", "stage"):
        rfm_report = results.get("rfm") or (rfm_m.rfm(snap) if breakdown == "segment" else None)
        journey = results.get("journey") or (
            journeys_m.journey_stages(snap) if breakdown == "stage" else None)
        mapping = _segment_map(breakdown, rfm_report, journey)

    def commerce_section() -> commerce_m.CommerceReport:
        if mapping is not None:
            return commerce_m.commerce_kpis(snap, period, by="segment", segment_of=mapping)
        return commerce_m.commerce_kpis(snap, period, by=breakdown)

    run(Section.COMMERCE, commerce_section)
    grain = series_grain(period)
    run(Section.SERIES, lambda: commerce_m.commerce_series(snap, period, grain=grain))
    run(Section.ENGAGEMENT, lambda: engagement_m.engagement_kpis(snap, period))
    run(Section.ENGAGEMENT_SCORES, lambda: engagement_m.engagement_scores(snap).summary)
    run(Section.RETENTION,
        lambda: retention_m.cohort_retention(snap, grain=cohort_grain, periods=12))
    run(Section.CHURN_RATE, lambda: retention_m.churn_rate(snap, inactive_days=inactive_days))
    run(Section.FUNNEL, lambda: funnel_m.purchase_funnel(snap, period, by=mapping))
    run(Section.INVOLVEMENT, lambda: involvement_m.category_involvement(snap))
    run(Section.SATISFACTION, lambda: feedback_m.satisfaction_scores(snap, period, by=mapping))
    run(Section.CLV, lambda: predict.predict_customers(snap))
    run(Section.CLV_VALIDATION, lambda: predict.clv_validation(snap))
    run(Section.CHURN_MODEL, lambda: predict.churn_model(snap, inactive_days=inactive_days))
    run(Section.AT_RISK, lambda: tuple(predict.at_risk_customers(
        snap, inactive_days=inactive_days, clv=results.get("clv"),
        churn=results.get("churn_model"))))
    previous = period.previous()
    return Overview(
        period_start=period.start, period_end=period.end, previous_start=previous.start,
        previous_end=previous.end, as_of=snap.as_of, timezone=snap.timezone,
        currency=snap.currency, segment=segment, breakdown=breakdown, counts=dict(snap.counts),
        notes=tuple(notes), data_notes=tuple(snap.notes), seconds=seconds, **results)
