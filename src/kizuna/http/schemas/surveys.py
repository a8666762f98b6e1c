"""Pydantic models of the surveys API (admin and client) and their contract converters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kizuna.surveys.contracts import (
    ImportReport,
    IssuedInvitation,
    Question,
    ResponseProgress,
    Survey,
    SurveyDefinition,
    SurveyResponse,
    SurveySummary,
    localized,
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


# --- admin API -----------------------------------------------------------------------------


class SurveyOut(_Out):
    id: int
    key: str = Field(description="URL key: the hosted page is /p/s/<key>")
    kind: str
    status: Literal["draft", "active", "closed"]
    anonymous: bool
    version: int = Field(description="Current definition version (responses keep theirs)")
    definition: dict[str, Any] = Field(description="The survey definition document")
    public_path: str = Field(description="The public link, relative to the server's address")
    embed_path: str = Field(description="The page the iframe widget shows")
    created_at: datetime
    updated_at: datetime


class SurveySummaryOut(_Out):
    id: int
    key: str
    kind: str
    status: Literal["draft", "active", "closed"]
    anonymous: bool
    version: int
    title: dict[str, str]
    responses: int = Field(description="Complete responses")
    partial: int = Field(description="Started, not complete")
    last_response_on: date | None
    updated_at: datetime


class SurveyListOut(_Out):
    items: list[SurveySummaryOut]


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["draft", "active", "closed"]


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: int = Field(ge=1, description="The kizuna id of the invited customer")
    valid_days: int = Field(30, ge=1, le=365, description="Days until the link expires")


class InvitationOut(_Out):
    id: int
    survey_key: str
    customer_id: int
    token: str = Field(description="Shown once; only its hash is stored")
    path: str = Field(description="/p/s/<key>?t=<token>: put it in the email")
    url: str = Field(description="`path` on the address this request was sent to")
    expires_at: datetime


class RejectionOut(_Out):
    line: int
    field: str | None
    message: str


class ImportReportOut(_Out):
    imported: int
    skipped_duplicates: int
    rejected: list[RejectionOut]


class ScoreOut(_Out):
    kind: str
    value: float
    n: int
    ci_low: float
    ci_high: float
    small_sample: bool
    breakdown: dict[str, int]
    method: str


class ChangeOut(_Out):
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    previous: ScoreOut
    method: str


class TrendPointOut(_Out):
    month: date
    n: int
    score: ScoreOut | None


class QuestionResultOut(_Out):
    question_id: str
    type: str
    prompt: dict[str, str]
    answered: int
    counts: dict[str, int]
    mean: float | None


class GroupScoreOut(_Out):
    group: str
    n: int
    score: ScoreOut | None


class BreakdownOut(_Out):
    by: str
    groups: list[GroupScoreOut]
    hidden: int = Field(description="Groups not shown because they have fewer than min_n")
    unassigned: int
    min_n: int


class PeriodOut(_Out):
    start: date
    end: date


class SurveyResultsOut(_Out):
    survey_id: int
    key: str
    kind: str
    anonymous: bool
    period: PeriodOut
    responses: int
    partial: int
    score: ScoreOut | None
    change: ChangeOut | None
    trend: list[TrendPointOut]
    questions: list[QuestionResultOut]
    breakdown: BreakdownOut | None
    note: str | None


class SurveyResponseOut(_Out):
    id: str
    version: int
    channel: str
    locale: str
    complete: bool
    anonymous: bool
    answers: dict[str, Any]
    hidden: dict[str, str]
    score: int | None
    comment: str | None
    started_on: date
    completed_on: date | None
    customer_id: int | None = Field(description="Always null for anonymous surveys")
    completed_at: datetime | None = Field(description="Always null for anonymous surveys")


class ResponseListOut(_Out):
    items: list[SurveyResponseOut]
    limit: int
    offset: int


def survey_out(survey: Survey, definition_doc: dict[str, Any]) -> SurveyOut:
    return SurveyOut(
        id=survey.id, key=survey.key, kind=survey.kind.value, status=survey.status.value,
        anonymous=survey.anonymous, version=survey.version, definition=definition_doc,
        public_path=f"/p/s/{survey.key}", embed_path=f"/p/s/{survey.key}/embed",
        created_at=survey.created_at, updated_at=survey.updated_at,
    )


def summary_out(summary: SurveySummary) -> SurveySummaryOut:
    return SurveySummaryOut(
        id=summary.id, key=summary.key, kind=summary.kind.value, status=summary.status.value,
        anonymous=summary.anonymous, version=summary.version, title=dict(summary.title),
        responses=summary.responses, partial=summary.partial,
        last_response_on=summary.last_response_on, updated_at=summary.updated_at,
    )


def invitation_out(issued: IssuedInvitation, key: str, base_url: str) -> InvitationOut:
    return InvitationOut(
        id=issued.id, survey_key=key, customer_id=issued.customer_id, token=issued.token,
        path=issued.path, url=base_url.rstrip("/") + issued.path, expires_at=issued.expires_at,
    )


def import_report_out(report: ImportReport) -> ImportReportOut:
    return ImportReportOut(
        imported=report.imported, skipped_duplicates=report.skipped_duplicates,
        rejected=[RejectionOut(line=r.line, field=r.field, message=r.message)
                  for r in report.rejected],
    )


def response_out(response: SurveyResponse) -> SurveyResponseOut:
    return SurveyResponseOut(
        id=response.id, version=response.version, channel=response.channel.value,
        locale=response.locale, complete=response.complete, anonymous=response.anonymous,
        answers=dict(response.answers), hidden=dict(response.hidden), score=response.score,
        comment=response.comment, started_on=response.started_on,
        completed_on=response.completed_on, customer_id=response.customer_id,
        completed_at=response.completed_at,
    )


# --- client API (source write key) ---------------------------------------------------------


class ChoiceOut(_Out):
    id: str
    label: str


class ClientQuestionOut(_Out):
    id: str
    type: str
    prompt: str
    help: str | None
    required: bool
    options: list[ChoiceOut]
    scale: tuple[int, int] | None = Field(description="[low, high] of scale questions")
    min_label: str | None
    max_label: str | None
    max_length: int | None = Field(description="Free text: the longest accepted answer")


class EligibleSurveyOut(_Out):
    key: str
    kind: str
    version: int
    anonymous: bool
    locale: str = Field(description="The language the texts below are in")
    title: str
    intro: str | None
    thanks: str | None
    questions: list[ClientQuestionOut]
    rules: list[dict[str, Any]] = Field(description="Skip / branch rules of the definition")
    url: str = Field(description="The hosted page, to open in a web view instead")


class ClientResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    user_id: str | None = Field(None, alias="userId", max_length=200)
    anonymous_id: str | None = Field(None, alias="anonymousId", max_length=200)
    locale: Literal["ja", "en"] | None = None
    answers: dict[str, Any] = Field(description="Question id → answer (number, id, ids, text)")
    hidden: dict[str, str] = Field(
        default_factory=dict, description="Hidden fields the survey declares, e.g. order_id"
    )


class ClientResponseOut(_Out):
    response_id: str
    complete: bool
    score: int | None = None


def _question_client(q: Question, locale: str, default: str) -> ClientQuestionOut:
    def text(v: Mapping[str, str] | None) -> str | None:
        return localized(v, locale, default) or None

    return ClientQuestionOut(
        id=q.id, type=q.type.value, prompt=text(q.prompt) or q.id, help=text(q.help),
        required=q.required,
        options=[ChoiceOut(id=c.id, label=text(c.label) or c.id) for c in q.options],
        scale=q.scale, min_label=text(q.min_label), max_label=text(q.max_label),
        max_length=q.max_length if q.type.value == "free_text" else None,
    )


def eligible_out(survey: Survey, locale: str, definition_doc: Mapping[str, Any],
                 base_url: str) -> EligibleSurveyOut:
    defn: SurveyDefinition = survey.definition
    default = defn.default_locale
    rules = definition_doc.get("rules") or definition_doc.get("logic") or []
    return EligibleSurveyOut(
        key=survey.key, kind=survey.kind.value, version=survey.version,
        anonymous=survey.anonymous, locale=locale,
        title=localized(defn.title, locale, default),
        intro=localized(defn.intro, locale, default) or None,
        thanks=localized(defn.thanks, locale, default) or None,
        questions=[_question_client(q, locale, default) for q in defn.questions],
        rules=list(rules) if isinstance(rules, list) else [],
        url=f"{base_url.rstrip('/')}/p/s/{survey.key}?lang={locale}",
    )


def client_response_out(progress: ResponseProgress, score: int | None) -> ClientResponseOut:
    return ClientResponseOut(response_id=progress.response_id, complete=progress.complete,
                             score=score)
