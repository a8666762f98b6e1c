"""What the survey results page shows, built from a ``SurveyResults``: plain values and
server-rendered SVG charts (``kizuna.charts``), each followed by its accessible data table;
plus the page's other reads (customer groups for breakdowns, latest comments).

Nothing here identifies a respondent: results are counts and scores, and the domain already
hid every group (and, for anonymous surveys, every figure) about fewer than 5 responses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy.orm import Session

from kizuna.charts import svg
from kizuna.metrics import api as metrics
from kizuna.metrics.api import RfmSegment
from kizuna.runtime import Runtime
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import (
    Breakdown,
    DateRange,
    QuestionResult,
    QuestionType,
    ScoreSummary,
    Survey,
    SurveyDefinition,
    SurveyResponse,
    SurveyResults,
    localized,
)
from kizuna.types import WorkspaceId

Translate = Callable[..., str]

LATEST_COMMENTS = 10
COMMENT_SCAN = 500  # responses looked at for comments of the period

CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    svg: Markup
    table: Markup


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreView:
    value: str
    interval: str
    n: int
    unit: str
    change: str = ""
    direction: str = ""  # "up" | "down" | ""
    previous: str = ""
    p_value: str = ""
    significant: bool = False
    small_sample: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionView:
    id: str
    prompt: str
    type: str
    answered: int
    mean: str
    chart: Chart | None


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupRow:
    group: str
    n: int
    score: str
    interval: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakdownView:
    by: str
    rows: tuple[GroupRow, ...]
    hidden: int
    unassigned: int
    min_n: int
    chart: Chart | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultsView:
    period: str
    previous_period: str
    score: ScoreView | None
    trend: Chart | None
    distribution: Chart | None
    questions: tuple[QuestionView, ...]
    breakdown: BreakdownView | None


def _unit(kind: str) -> str:
    return "%" if kind == "csat" else ""


def fmt_score(value: float | None, kind: str) -> str:
    """NPS as a whole-ish number, CSAT in percent, CES with two decimals."""
    if value is None:
        return "—"
    if kind == "ces":
        return f"{value:.2f}"
    return f"{value:.1f}" + (" %" if kind == "csat" else "")


def _interval(s: ScoreSummary) -> str:
    return f"{fmt_score(s.ci_low, s.kind)} – {fmt_score(s.ci_high, s.kind)}"


def _score_view(result: SurveyResults) -> ScoreView | None:
    s = result.score
    if s is None:
        return None
    view = ScoreView(value=fmt_score(s.value, s.kind), interval=_interval(s), n=s.n,
                     unit=_unit(s.kind), small_sample=s.small_sample)
    c = result.change
    if c is None:
        return view
    direction = "" if c.difference == 0 else ("up" if c.difference > 0 else "down")
    pts = " pt" if s.kind != "ces" else ""
    digits = 2 if s.kind == "ces" else 1
    return ScoreView(
        value=view.value, interval=view.interval, n=view.n, unit=view.unit,
        small_sample=view.small_sample,
        change=f"{c.difference:+.{digits}f}{pts} ({c.ci_low:+.{digits}f} – "
               f"{c.ci_high:+.{digits}f})",
        direction=direction,
        previous=f"{fmt_score(c.previous.value, c.previous.kind)} (n = {c.previous.n})",
        p_value=f"{c.p_value:.3f}", significant=c.significant,
    )


def _chart(markup: Markup, headers: Sequence[str], rows: Sequence[Sequence[str]],
           caption: str) -> Chart:
    return Chart(svg=markup, table=svg.data_table(headers, rows, caption=caption))


def _trend(result: SurveyResults, t: Translate) -> Chart | None:
    kind = next((p.score.kind for p in result.trend if p.score is not None), None)
    if kind is None:
        return None
    labels = [p.month.strftime("%Y-%m") for p in result.trend]
    values = [p.score.value if p.score else None for p in result.trend]
    lows = [p.score.ci_low if p.score else None for p in result.trend]
    highs = [p.score.ci_high if p.score else None for p in result.trend]
    title = t("surveys.results.trend")
    markup = svg.line_chart(
        [svg.Series(name=t(f"surveys.kind.{kind}"), values=values, band_low=lows,
                    band_high=highs)],
        x_labels=labels, title=title, desc=t("surveys.results.trend_desc"),
        fmt=lambda v: fmt_score(v, kind), no_data_label=t("surveys.results.no_data"),
        id_prefix="sv-trend")
    rows = [[p.month.strftime("%Y-%m"), fmt_score(p.score.value if p.score else None, kind),
             _interval(p.score) if p.score else "—", str(p.n)] for p in result.trend]
    headers = [t("surveys.results.month"), t("surveys.results.score"),
               t("surveys.results.interval"), "n"]
    return _chart(markup, headers, rows, title)


def _scale_chart(q: QuestionResult, title: str, t: Translate, prefix: str) -> Chart:
    low, high = _scale_of(q)
    keys = [str(v) for v in range(low, high + 1)]
    total = sum(q.counts.values()) or 1
    bars = [svg.Bar(label=k, value=float(q.counts.get(k, 0))) for k in keys]
    markup = svg.bar_chart(bars, title=title, desc=t("surveys.results.distribution_desc"),
                           horizontal=False, fmt=lambda v: f"{v:,.0f}",
                           no_data_label=t("surveys.results.no_data"), id_prefix=prefix)
    rows = [[k, str(q.counts.get(k, 0)), f"{q.counts.get(k, 0) / total:.0%}"] for k in keys]
    headers = [t("surveys.results.answer"), t("surveys.results.count"),
               t("surveys.results.share")]
    return _chart(markup, headers, rows, title)


def _scale_of(q: QuestionResult) -> tuple[int, int]:
    from kizuna.surveys.contracts import SCALES

    if q.type in SCALES:
        return SCALES[q.type]
    numbers = [int(k) for k in q.counts if k.lstrip("-").isdigit()]
    return (min([1, *numbers]), max([5, *numbers]))


def _choice_chart(q: QuestionResult, d: SurveyDefinition, title: str, t: Translate,
                  locale: str, prefix: str) -> Chart:
    labels = {}
    for question in d.questions:
        if question.id == q.question_id:
            labels = {c.id: localized(c.label, locale, d.default_locale) for c in question.options}
    keys = list(labels) + [k for k in q.counts if k not in labels]
    total = q.answered or 1
    bars = [svg.Bar(label=labels.get(k, k), value=float(q.counts.get(k, 0))) for k in keys]
    markup = svg.bar_chart(bars, title=title, fmt=lambda v: f"{v:,.0f}",
                           no_data_label=t("surveys.results.no_data"), id_prefix=prefix)
    rows = [[labels.get(k, k), str(q.counts.get(k, 0)), f"{q.counts.get(k, 0) / total:.0%}"]
            for k in keys]
    headers = [t("surveys.results.answer"), t("surveys.results.count"),
               t("surveys.results.share")]
    return _chart(markup, headers, rows, title)


def _questions(result: SurveyResults, d: SurveyDefinition, t: Translate,
               locale: str) -> tuple[QuestionView, ...]:
    out: list[QuestionView] = []
    for i, q in enumerate(result.questions):
        prompt = localized(q.prompt, locale, d.default_locale) or q.question_id
        chart: Chart | None = None
        if q.type in CHOICE_TYPES:
            chart = _choice_chart(q, d, prompt, t, locale, f"sv-q{i}")
        elif q.type is not QuestionType.FREE_TEXT and q.counts:
            chart = _scale_chart(q, prompt, t, f"sv-q{i}")
        out.append(QuestionView(
            id=q.question_id, prompt=prompt, type=str(q.type), answered=q.answered,
            mean="" if q.mean is None else f"{q.mean:.2f}", chart=chart))
    return tuple(out)


def _distribution(result: SurveyResults, d: SurveyDefinition, t: Translate) -> Chart | None:
    """The answers of the score question (0–10, 1–5 or 1–7)."""
    score_id = d.score_question or next(
        (q.id for q in d.questions if q.type in (QuestionType.NPS, QuestionType.CSAT,
                                                  QuestionType.CES)), None)
    for q in result.questions:
        if q.question_id == score_id and q.counts:
            return _scale_chart(q, t("surveys.results.distribution"), t, "sv-dist")
    return None


def group_label(by: str, group: str, t: Translate) -> str:
    """An RFM segment or journey stage in the reader's language; other groups as stored."""
    if by == "segment":
        try:
            return t(f"rfm.segment.{RfmSegment(group).name.lower()}")
        except ValueError:
            return group
    if by == "stage":
        key = f"journey.stage.{group}"
        text = t(key)
        return group if text == key else text
    return group


def _breakdown(b: Breakdown | None, kind: str, t: Translate) -> BreakdownView | None:
    if b is None:
        return None
    rows = tuple(GroupRow(group=group_label(b.by, g.group, t), n=g.n,
                          score=fmt_score(g.score.value if g.score else None, kind),
                          interval=_interval(g.score) if g.score else "—") for g in b.groups)
    chart = None
    scored = [g for g in b.groups if g.score is not None]
    if scored:
        key = f"surveys.results.by.{b.by}"
        title = b.by if t(key) == key else t(key)
        bars = [svg.Bar(label=group_label(b.by, g.group, t), value=g.score.value,
                        ci_low=g.score.ci_low, ci_high=g.score.ci_high)
                for g in scored if g.score]
        markup = svg.bar_chart(bars, title=title, fmt=lambda v: fmt_score(v, kind),
                               no_data_label=t("surveys.results.no_data"), id_prefix="sv-by")
        chart = _chart(markup, [t("surveys.results.group"), t("surveys.results.score"),
                                t("surveys.results.interval"), "n"],
                       [[r.group, r.score, r.interval, str(r.n)] for r in rows], title)
    return BreakdownView(by=b.by, rows=rows, hidden=b.hidden, unassigned=b.unassigned,
                         min_n=b.min_n, chart=chart)


def build_results_view(result: SurveyResults, d: SurveyDefinition, t: Translate,
                       locale: str) -> ResultsView:
    previous = result.period.previous()
    kind = result.score.kind if result.score else ("nps" if result.kind == "enps"
                                                   else str(result.kind))
    return ResultsView(
        period=f"{result.period.start.isoformat()} – {result.period.end.isoformat()}",
        previous_period=f"{previous.start.isoformat()} – {previous.end.isoformat()}",
        score=_score_view(result),
        trend=_trend(result, t),
        distribution=_distribution(result, d, t),
        questions=_questions(result, d, t, locale),
        breakdown=_breakdown(result.breakdown, kind, t),
    )


def customer_groups(runtime: Runtime, workspace_id: WorkspaceId, by: str,
                    now: datetime) -> dict[int, str]:
    """Customer id → RFM segment (``by="segment"``) or journey stage (``"stage"``), from the
    metrics domain; cached like the overview. Call outside a transaction."""
    section = "rfm" if by == "segment" else "journey"

    def compute() -> dict[int, str]:
        o = metrics.compute_overview(runtime.sessions, runtime.settings.database_url,
                                     workspace_id, now=now, period=None, sections=[section])
        if by == "segment":
            return {} if o.rfm is None else {
                int(cid): str(v.segment) for cid, v in o.rfm.customers.items()}
        return {} if o.journey is None else {
            int(cid): str(stage) for cid, stage in o.journey.stage_of_customer.items()
            if stage is not None}

    groups: dict[int, str] = runtime.analytics_cache.get_or_compute(
        ("survey-groups", int(workspace_id), by), compute)
    return groups


def latest_comments(session: Session, workspace_id: WorkspaceId, survey: Survey,
                     dates: DateRange) -> list[SurveyResponse]:
    """The latest comments of the period, newest first (at most ``LATEST_COMMENTS``)."""
    out: list[SurveyResponse] = []
    for r in surveys.list_responses(session, workspace_id, survey.id, limit=COMMENT_SCAN):
        day = r.completed_on or r.started_on
        if r.comment and dates.start <= day <= dates.end:
            out.append(r)
            if len(out) == LATEST_COMMENTS:
                break
    return out
