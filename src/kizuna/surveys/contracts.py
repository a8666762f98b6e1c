"""What crosses the boundary of the surveys domain: frozen dataclasses and enums.

A survey is described by a :class:`SurveyDefinition` (parsed from JSON by
``surveys.api.parse_definition``; the format is in docs/reference/surveys.md). Texts a
respondent reads are :data:`Localized` — ``{"ja": "...", "en": "..."}`` — and are picked with
:func:`localized` for the respondent's locale.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal, NewType

from kizuna.types import CustomerId, WorkspaceId

SurveyId = NewType("SurveyId", int)
#: Response ids are random (32 hex characters), never sequential.
ResponseId = NewType("ResponseId", str)

#: ``{"ja": "...", "en": "..."}``; at least the survey's default locale is present.
Localized = Mapping[str, str]

#: What :func:`surveys.api.next_step` returns when the survey is over.
END: Final = "end"
LOCALES: Final = ("ja", "en")
#: Free-text answers longer than this are refused (the definition may set a lower limit).
MAX_TEXT_LENGTH: Final = 5000
#: Reports never show a group (segment, category, …) with fewer responses than this.
MIN_GROUP_N: Final = 5


class SurveyKind(enum.StrEnum):
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    ENPS = "enps"
    CUSTOM = "custom"


class QuestionType(enum.StrEnum):
    NPS = "nps"  # 0..10 (also used by eNPS)
    CSAT = "csat"  # 1..5
    CES = "ces"  # 1..7
    RATING = "rating"  # scale_min..scale_max, default 1..5
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    FREE_TEXT = "free_text"


#: Fixed scales of the score question types.
SCALES: Final[Mapping[QuestionType, tuple[int, int]]] = {
    QuestionType.NPS: (0, 10), QuestionType.CSAT: (1, 5), QuestionType.CES: (1, 7)}


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class Channel(enum.StrEnum):
    LINK = "link"  # the public link /p/s/<key>
    PERSONAL = "personal"  # a single-use personal link (invitation token)
    EMBED = "embed"  # the iframe widget
    IN_APP = "in_app"  # an app through the client API
    EMAIL = "email"  # a link sent in an email invitation
    IMPORT = "import"  # imported from CSV


def localized(text: Localized | None, locale: str, default_locale: str = "ja") -> str:
    """The text for ``locale``, else the default locale's, else any; "" for None."""
    if not text:
        return ""
    return text.get(locale) or text.get(default_locale) or next(iter(text.values()), "")


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    id: str
    label: Localized


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """A test on the answers so far.

    Either a leaf — ``question`` + ``op`` (``eq``, ``ne``, ``lte``, ``gte``, ``lt``, ``gt``,
    ``in``, ``contains``, ``answered``, ``not_answered``) + ``value`` — or a group: ``all`` /
    ``any`` of conditions. A leaf on an unanswered question is false (except
    ``not_answered``).
    """

    question: str | None = None
    op: str | None = None
    value: Any = None
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """After answering ``after``: if ``when`` holds (or always, if None) go to ``goto``
    (a later question id, or :data:`END`). The first matching rule wins."""

    after: str
    goto: str
    when: Condition | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    id: str
    type: QuestionType
    prompt: Localized
    required: bool = True
    help: Localized | None = None
    options: tuple[Choice, ...] = ()  # single_choice / multiple_choice
    scale_min: int | None = None  # rating (score types have fixed scales)
    scale_max: int | None = None
    min_label: Localized | None = None  # label of the low end of a scale
    max_label: Localized | None = None
    max_length: int = MAX_TEXT_LENGTH  # free_text
    multiline: bool = True  # free_text: textarea or one-line input
    skip_if: Condition | None = None  # the question is skipped when this holds

    @property
    def scale(self) -> tuple[int, int] | None:
        """(low, high) of a scale question, None for choice and text questions."""
        if self.type in SCALES:
            return SCALES[self.type]
        if self.type is QuestionType.RATING:
            return (self.scale_min if self.scale_min is not None else 1,
                    self.scale_max if self.scale_max is not None else 5)
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyDefinition:
    key: str  # URL slug: /p/s/<key>
    kind: SurveyKind
    title: Localized
    questions: tuple[Question, ...]
    anonymous: bool = False  # defaults to True for eNPS when parsed
    default_locale: str = "ja"
    intro: Localized | None = None
    thanks: Localized | None = None
    rules: tuple[Rule, ...] = ()
    hidden_fields: tuple[str, ...] = ()  # accepted from the link's query string
    recontact_days: int = 90  # in-app: days before the same person is asked again
    allowed_embed_origins: tuple[str, ...] = ()  # e.g. ("https://shop.example",)
    closes_at: datetime | None = None
    score_question: str | None = None  # default: first question of the kind's type
    comment_question: str | None = None  # default: first free_text question

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)


@dataclass(frozen=True, slots=True, kw_only=True)
class Survey:
    id: SurveyId
    workspace_id: WorkspaceId
    key: str
    kind: SurveyKind
    status: SurveyStatus
    anonymous: bool
    version: int  # the current version (responses keep the one they answered)
    definition: SurveyDefinition  # of ``version``
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveySummary:
    id: SurveyId
    key: str
    kind: SurveyKind
    status: SurveyStatus
    anonymous: bool
    version: int
    title: Localized
    responses: int  # complete responses
    partial: int  # started, not complete
    last_response_on: date | None
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedInvitation:
    """A personal single-use link. ``token`` is shown once (only its hash is stored); put
    ``path`` (relative to the public base URL) in the email."""

    id: int
    survey_id: SurveyId
    customer_id: CustomerId
    token: str
    path: str  # "/p/s/<key>?t=<token>"
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Invitation:
    """A redeemed-able personal link, as found by its token."""

    id: int
    survey_id: SurveyId
    customer_id: CustomerId | None  # None when the customer was erased
    expires_at: datetime
    used: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseStart:
    """Where a response comes from. Identity fields are dropped for anonymous surveys."""

    channel: Channel = Channel.LINK
    locale: str | None = None  # None: the survey's default locale
    hidden: Mapping[str, str] = field(default_factory=dict)  # only declared hidden fields kept
    customer_id: CustomerId | None = None
    token: str | None = None  # personal link token (channel personal / email)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseProgress:
    """State of a response after answers were submitted."""

    response_id: ResponseId
    survey_id: SurveyId
    survey_key: str
    version: int
    locale: str
    complete: bool
    next_question: str | None  # None when complete
    answers: Mapping[str, Any]
    position: int  # 1-based index of next_question on the path (path length when complete)
    total: int  # questions on the path as far as it is known now
    path: tuple[str, ...]  # question ids on the path taken so far / planned


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyResponse:
    id: ResponseId
    survey_id: SurveyId
    version: int
    channel: Channel
    locale: str
    complete: bool
    anonymous: bool
    answers: Mapping[str, Any]
    hidden: Mapping[str, str]
    score: int | None
    comment: str | None
    started_on: date
    completed_on: date | None
    customer_id: CustomerId | None  # always None for anonymous surveys
    completed_at: datetime | None  # always None for anonymous surveys


@dataclass(frozen=True, slots=True, kw_only=True)
class DateRange:
    """Local days ``start``..``end`` (both inclusive) in the workspace's time zone."""

    start: date
    end: date

    def previous(self) -> DateRange:
        from datetime import timedelta

        days = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        return DateRange(start=end - timedelta(days=days - 1), end=end)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreSummary:
    """A score (NPS / CSAT / CES on its own scale) with n and its 95 % interval."""

    kind: str  # nps | csat | ces (eNPS is scored as NPS)
    value: float
    n: int
    ci_low: float
    ci_high: float
    small_sample: bool
    breakdown: Mapping[str, int]  # promoters / passives / detractors, …
    method: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreChange:
    """After − before with its interval and p-value."""

    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    previous: ScoreSummary
    method: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendPoint:
    month: date  # first day of the local month
    n: int
    score: ScoreSummary | None  # None when n == 0 or hidden (n < MIN_GROUP_N, anonymous)


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionResult:
    """Distribution of one question's answers in the period."""

    question_id: str
    type: QuestionType
    prompt: Localized
    answered: int
    counts: Mapping[str, int]  # choice id or scale value (as text) → answers; {} for text
    mean: float | None = None  # scale questions


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupScore:
    group: str
    n: int
    score: ScoreSummary | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakdown:
    """The score per group of ``by``. Groups with fewer than ``min_n`` responses are hidden
    (counted in ``hidden``); ``unassigned`` counts responses without a group."""

    by: str
    groups: tuple[GroupScore, ...]
    hidden: int
    unassigned: int
    min_n: int = MIN_GROUP_N


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyResults:
    survey_id: SurveyId
    key: str
    kind: SurveyKind
    anonymous: bool
    period: DateRange
    responses: int  # complete responses in the period
    partial: int  # started in the period, not complete
    score: ScoreSummary | None  # None for custom surveys without a score question, or n = 0
    change: ScoreChange | None  # vs the previous period of the same length
    trend: tuple[TrendPoint, ...]  # per local month, the 12 months up to the period's end
    questions: tuple[QuestionResult, ...]
    breakdown: Breakdown | None
    note: str | None = None  # e.g. "fewer than 5 responses: hidden (anonymous survey)"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRejection:
    line: int  # 1-based line number in the file (header is line 1)
    message: str
    field: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    imported: int
    skipped_duplicates: int
    rejected: tuple[ImportRejection, ...]


ResultsBy = Literal["category", "product_id", "segment", "stage"] | str
