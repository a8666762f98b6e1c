"""Results of a survey: the score with n and 95 % interval (statistics of
``kizuna.metrics``), change vs the previous period, monthly trend, per-question
distributions and a breakdown. Groups of fewer than 5 responses are never shown; for
anonymous surveys no figure at all about fewer than 5 responses is shown."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kizuna.errors import Invalid
from kizuna.metrics import api as metrics
from kizuna.surveys import store
from kizuna.surveys.contracts import (
    MIN_GROUP_N,
    Breakdown,
    DateRange,
    GroupScore,
    QuestionResult,
    QuestionType,
    ScoreChange,
    ScoreSummary,
    SurveyDefinition,
    SurveyId,
    SurveyResults,
    TrendPoint,
)
from kizuna.surveys.tables import SurveyResponseRow
from kizuna.types import WorkspaceId

_STAT = {QuestionType.NPS: "nps", QuestionType.CSAT: "csat", QuestionType.CES: "ces"}
CUSTOMER_GROUPINGS = ("segment", "stage")


@dataclass(frozen=True, slots=True)
class _Row:
    on: date
    score: int | None
    answers: Mapping[str, Any]
    hidden: Mapping[str, Any]
    customer_id: int | None


def _summary(score: metrics.Score) -> ScoreSummary:
    return ScoreSummary(kind=score.kind.value, value=score.value, n=score.n,
                        ci_low=score.ci_low, ci_high=score.ci_high,
                        small_sample=score.small_sample, breakdown=dict(score.breakdown),
                        method=score.method)


def _score(stat: str | None, values: Sequence[int], min_n: int) -> ScoreSummary | None:
    if stat is None or not values or len(values) < min_n:
        return None
    return _summary(metrics.satisfaction_score(stat, list(values)))


def _months(end: date, count: int = 12) -> list[date]:
    months: list[date] = []
    year, month = end.year, end.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _statistic(definition: SurveyDefinition) -> str | None:
    if definition.score_question is None:
        return None
    return _STAT.get(definition.question(definition.score_question).type)


def _question_results(definition: SurveyDefinition, rows: Sequence[_Row],
                      hide: bool) -> tuple[QuestionResult, ...]:
    out: list[QuestionResult] = []
    for q in definition.questions:
        values = [r.answers.get(q.id) for r in rows if r.answers.get(q.id) is not None]
        counts: Counter[str] = Counter()
        mean: float | None = None
        scale = q.scale
        if scale is not None:
            numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
            counts.update({str(v): 0 for v in range(scale[0], scale[1] + 1)})
            counts.update(str(v) for v in numbers)
            mean = sum(numbers) / len(numbers) if numbers else None
        elif q.options:
            counts.update({o.id: 0 for o in q.options})
            for v in values:
                counts.update(str(x) for x in (v if isinstance(v, list) else [v]))
        hidden = hide and len(values) < MIN_GROUP_N
        out.append(QuestionResult(
            question_id=q.id, type=q.type, prompt=q.prompt, answered=len(values),
            counts={} if hidden else dict(counts), mean=None if hidden else mean))
    return tuple(out)


def _breakdown(by: str, rows: Sequence[_Row], stat: str | None,
               groups: Mapping[int, str] | None) -> Breakdown:
    members: dict[str, list[int]] = defaultdict(list)
    unassigned = 0
    for r in rows:
        if by in CUSTOMER_GROUPINGS:
            name = None if r.customer_id is None or groups is None else groups.get(r.customer_id)
        else:
            raw = r.hidden.get(by)
            name = None if raw in (None, "") else str(raw)
        if name is None:
            unassigned += 1
        elif r.score is not None:
            members[name].append(r.score)
        else:
            members.setdefault(name, [])  # a group with responses but no score
    shown: list[GroupScore] = []
    hidden = 0
    for name in sorted(members, key=lambda g: (-len(members[g]), g)):
        values = members[name]
        if len(values) < MIN_GROUP_N:
            hidden += 1
            continue
        shown.append(GroupScore(group=name, n=len(values), score=_score(stat, values, 1)))
    return Breakdown(by=by, groups=tuple(shown), hidden=hidden, unassigned=unassigned)


def survey_results(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId, *,
                   period: DateRange | None, by: str | None,
                   groups: Mapping[int, str] | None, at: datetime) -> SurveyResults:
    survey = store.get_survey(session, workspace_id, survey_id)
    definition = survey.definition
    today = store.local_date(session, workspace_id, at)
    period = period or DateRange(start=today - timedelta(days=29), end=today)
    if period.end < period.start:
        raise Invalid("The period ends before it starts.", field="period")
    if by is not None:
        if by in CUSTOMER_GROUPINGS:
            if survey.anonymous:
                raise Invalid("Anonymous surveys cannot be broken down by customer "
                              f"{by}: their responses carry no customer.", field="by")
        elif by not in definition.hidden_fields:
            allowed = ", ".join([*definition.hidden_fields, *CUSTOMER_GROUPINGS])
            raise Invalid(f"Cannot break down by {by!r}; use one of: {allowed}.", field="by")
    previous = period.previous()
    months = _months(period.end)
    since = min(previous.start, months[0])
    r = SurveyResponseRow
    rows = [_Row(on, score, answers or {}, hidden or {}, cid) for on, score, answers, hidden, cid
            in session.execute(select(r.completed_on, r.score, r.answers, r.hidden,
                                      r.customer_id).where(
                r.workspace_id == workspace_id, r.survey_id == survey.id,
                r.complete.is_(True), r.completed_on >= since,
                r.completed_on <= period.end))]
    partial_n = int(session.scalar(select(func.count()).select_from(r).where(
        r.survey_id == survey.id, r.complete.is_(False), r.started_on >= period.start,
        r.started_on <= period.end)) or 0)
    in_period = [x for x in rows if period.start <= x.on <= period.end]
    before = [x for x in rows if previous.start <= x.on <= previous.end]
    stat = _statistic(definition)
    min_n = MIN_GROUP_N if survey.anonymous else 1
    now_scores = [x.score for x in in_period if x.score is not None]
    old_scores = [x.score for x in before if x.score is not None]
    score = _score(stat, now_scores, min_n)
    change: ScoreChange | None = None
    if score is not None and stat is not None and len(old_scores) >= min_n and old_scores:
        c = metrics.satisfaction_change(stat, old_scores, now_scores)
        change = ScoreChange(difference=c.difference, ci_low=c.ci_low, ci_high=c.ci_high,
                             p_value=c.p_value, significant=c.significant,
                             previous=_summary(c.before), method=c.method)
    trend: list[TrendPoint] = []
    for month in months:
        values = [x.score for x in rows if x.score is not None
                  and (x.on.year, x.on.month) == (month.year, month.month)]
        trend.append(TrendPoint(month=month, n=len(values), score=_score(stat, values, min_n)))
    note = None
    if survey.anonymous and 0 < len(in_period) < MIN_GROUP_N:
        note = (f"Fewer than {MIN_GROUP_N} responses in the period: figures are hidden to "
                "protect anonymous respondents.")
    return SurveyResults(
        survey_id=survey.id, key=survey.key, kind=survey.kind, anonymous=survey.anonymous,
        period=period, responses=len(in_period), partial=partial_n, score=score, change=change,
        trend=tuple(trend),
        questions=_question_results(definition, in_period, hide=survey.anonymous),
        breakdown=None if by is None else _breakdown(by, in_period, stat, groups), note=note)
