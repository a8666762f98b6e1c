"""Facade of the surveys domain: definitions, responses, personal links, in-app, results, CSV.

Adapters (REST API, hosted pages, dashboard, CLI) import only this module and
``surveys.contracts`` / ``surveys.errors``::

    from kizuna.surveys import api as surveys

Every function takes the caller's ``Session`` (the caller commits) and an aware UTC ``at``.

Flow of the hosted page (one question per step)::

    survey = surveys.get_public_survey(session, ws, key, at=now)   # 404 draft / 410 closed
    progress = surveys.start_response(session, ws, survey.id,
                                      ResponseStart(channel=..., locale=..., hidden=...,
                                                    token=t), at=now)
    # keep progress.response_id in the visitor's session; show progress.next_question
    progress = surveys.submit_answers(session, ws, response_id, {"q1": "9"}, at=now, token=t)
    # AnswerInvalid.errors → [{"question", "key", "message" (respondent's locale)}]
    # progress.complete → thanks page;  Back: surveys.previous_step(definition, answers, current)

In-app / API: ``answer_survey`` does start + answers + completion in one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kizuna.metrics import api as metrics
from kizuna.surveys import branching, csvio, definition, inapp, invitations, responses, results
from kizuna.surveys import store as _store
from kizuna.surveys.answers import answer_message, validate_answer
from kizuna.surveys.contracts import (
    END,
    DateRange,
    ImportReport,
    Invitation,
    IssuedInvitation,
    ResponseId,
    ResponseProgress,
    ResponseStart,
    Survey,
    SurveyDefinition,
    SurveyId,
    SurveyResponse,
    SurveyResults,
    SurveyStatus,
    SurveySummary,
)
from kizuna.types import CustomerId, WorkspaceId

__all__ = [
    "END",
    "answer_message",
    "answer_survey",
    "check_invitation",
    "create_survey",
    "customer_groups",
    "definition_to_json",
    "export_responses_csv",
    "find_eligible_survey",
    "find_survey_by_key",
    "get_progress",
    "get_public_survey",
    "get_response",
    "get_survey",
    "import_responses_csv",
    "issue_invitation",
    "list_responses",
    "list_surveys",
    "next_step",
    "parse_definition",
    "path_of",
    "previous_step",
    "record_impression",
    "resolve_respondent",
    "set_survey_status",
    "start_response",
    "submit_answers",
    "survey_results",
    "update_survey",
    "validate_answer",
]

# --- definitions ---------------------------------------------------------------------------


def parse_definition(doc: Mapping[str, Any]) -> SurveyDefinition:
    """Validate a JSON survey definition (format in docs/reference/surveys.md).

    Raises ``SurveyDefinitionInvalid`` whose ``errors`` list every problem as
    ``{"path": "questions[2].options[0].id", "message": "..."}``.
    """
    return definition.parse_definition(doc)


def definition_to_json(survey_definition: SurveyDefinition) -> dict[str, Any]:
    """The JSON document of a definition (``parse_definition`` reads it back identically)."""
    return definition.to_json(survey_definition)


def create_survey(
    session: Session,
    workspace_id: WorkspaceId,
    survey_definition: SurveyDefinition,
    *,
    at: datetime,
    status: SurveyStatus | str = SurveyStatus.DRAFT,
) -> Survey:
    """Create a survey (version 1). Raises ``SurveyKeyTaken`` if the key is in use."""
    return _store.create_survey(session, workspace_id, survey_definition, at=at,
                                status=SurveyStatus(status))


def update_survey(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    survey_definition: SurveyDefinition,
    *,
    at: datetime,
) -> Survey:
    """Store ``survey_definition`` as a new version; earlier responses keep their version.

    The kind and the anonymous flag cannot change once responses exist (create a new survey).
    """
    return _store.update_survey(session, workspace_id, SurveyId(int(survey_id)),
                                survey_definition, at=at)


def get_survey(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    *,
    version: int | None = None,
) -> Survey:
    """The survey with its current definition (or that of ``version``); ``SurveyNotFound``."""
    return _store.get_survey(session, workspace_id, SurveyId(int(survey_id)), version=version)


def find_survey_by_key(session: Session, workspace_id: WorkspaceId, key: str) -> Survey | None:
    """The survey whose URL key is ``key`` (any status), or None."""
    return _store.find_survey_by_key(session, workspace_id, key)


def get_public_survey(
    session: Session, workspace_id: WorkspaceId, key: str, *, at: datetime
) -> Survey:
    """The survey a respondent may answer now: ``SurveyNotFound`` for unknown keys and
    drafts (a 404 page), ``SurveyClosed`` for closed surveys or after ``closes_at`` (410)."""
    return _store.get_public_survey(session, workspace_id, key, at=at)


def list_surveys(session: Session, workspace_id: WorkspaceId) -> list[SurveySummary]:
    """Every survey of the workspace with its response counts, newest first."""
    return _store.list_surveys(session, workspace_id)


def set_survey_status(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    status: SurveyStatus | str,
    *,
    at: datetime,
) -> Survey:
    """Set ``draft`` | ``active`` | ``closed`` (an unknown status raises ``Invalid``)."""
    return _store.set_status(session, workspace_id, SurveyId(int(survey_id)), status, at=at)


# --- branching (pure) ----------------------------------------------------------------------


def next_step(
    survey_definition: SurveyDefinition, answers: Mapping[str, Any], current: str | None
) -> str:
    """The question to show after ``current`` (None: the first one), or ``END``.

    Rules ``after current`` are tried in order (first match jumps forward); otherwise the next
    question in order. Questions whose ``skip_if`` holds are passed over. Never goes back.
    """
    return branching.next_step(survey_definition, answers, current)


def path_of(survey_definition: SurveyDefinition, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """Question ids the respondent sees with these answers, from the first to the end."""
    return branching.path_of(survey_definition, answers)


def previous_step(
    survey_definition: SurveyDefinition, answers: Mapping[str, Any], current: str
) -> str | None:
    """The question before ``current`` on the path (the Back button), or None at the start."""
    return branching.previous_step(survey_definition, answers, current)


# --- responses -----------------------------------------------------------------------------


def start_response(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    start: ResponseStart,
    *,
    at: datetime,
) -> ResponseProgress:
    """Begin a response (a partial one is stored right away, under a random id).

    With ``start.token`` (a personal link) the invitation is checked (``InvitationInvalid``,
    ``InvitationUsed``, ``InvitationExpired``) and binds the customer; a half-answered
    response of the same link (non-anonymous surveys) is resumed instead of started twice.
    For anonymous surveys the customer, the token and the time of day are never stored.
    Hidden fields not declared by the survey are dropped; values over 200 characters or with
    NUL bytes raise ``Invalid``.
    """
    return responses.start_response(session, workspace_id, SurveyId(int(survey_id)), start, at=at)


def submit_answers(
    session: Session,
    workspace_id: WorkspaceId,
    response_id: ResponseId | str,
    answers: Mapping[str, Any],
    *,
    at: datetime,
    token: str | None = None,
    finish: bool = False,
) -> ResponseProgress:
    """Validate and save answers (form strings or JSON values); return the next question.

    Each answer is checked for its question type — ``AnswerInvalid`` lists every problem
    per question id with a message in the response's locale; nothing is saved then. Valid
    answers are saved as partial progress. ``None`` / "" for an optional question records it
    as passed. When every question on the path is answered (or ``finish=True`` and only
    optional ones are left) the response completes: the score is recorded, a
    ``Survey Responded`` event goes on the customer's timeline (not for anonymous surveys)
    and a free-text comment goes to the feedback inbox. Personal-link responses of anonymous
    surveys need ``token`` again at completion (the response row does not keep it).
    """
    return responses.submit_answers(session, workspace_id, ResponseId(str(response_id)),
                                    answers, at=at, token=token, finish=finish)


def answer_survey(
    session: Session,
    workspace_id: WorkspaceId,
    survey_key: str,
    answers: Mapping[str, Any],
    start: ResponseStart,
    *,
    at: datetime,
) -> ResponseProgress:
    """Start, answer and complete in one call (apps, the client API). Missing required
    answers on the path raise ``AnswerInvalid`` (key ``required``); nothing is stored then."""
    return responses.answer_survey(session, workspace_id, survey_key, answers, start, at=at)


def get_progress(
    session: Session, workspace_id: WorkspaceId, response_id: ResponseId | str
) -> ResponseProgress:
    """Where a response stands (resume after a reload). ``SurveyResponseNotFound``."""
    return responses.get_progress(session, workspace_id, ResponseId(str(response_id)))


def get_response(
    session: Session, workspace_id: WorkspaceId, response_id: ResponseId | str
) -> SurveyResponse:
    """One response. ``SurveyResponseNotFound``."""
    return _store.get_response(session, workspace_id, ResponseId(str(response_id)))


def list_responses(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    *,
    complete_only: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> list[SurveyResponse]:
    """Responses of a survey, most recently completed first."""
    return _store.list_responses(session, workspace_id, SurveyId(int(survey_id)),
                                 complete_only=complete_only, limit=limit, offset=offset)


# --- personal links ------------------------------------------------------------------------


def issue_invitation(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    customer_id: CustomerId | int,
    *,
    at: datetime,
    valid_for: timedelta = timedelta(days=30),
) -> IssuedInvitation:
    """A single-use personal link for ``customer_id`` (the email invitation puts ``path``
    after the public base URL). The token is random; only its hash is stored."""
    return invitations.issue(session, workspace_id, SurveyId(int(survey_id)),
                             CustomerId(int(customer_id)), at=at, valid_for=valid_for)


def check_invitation(
    session: Session, workspace_id: WorkspaceId, survey_key: str, token: str, *, at: datetime
) -> Invitation:
    """The invitation of ``token`` for survey ``survey_key`` if it can still answer.

    Raises ``InvitationInvalid`` (unknown / other survey), ``InvitationUsed`` (already
    answered: show "already answered"), ``InvitationExpired``.
    """
    return invitations.check(session, workspace_id, survey_key, token, at=at)


# --- in-app --------------------------------------------------------------------------------


def resolve_respondent(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    at: datetime,
) -> CustomerId:
    """The customer an app's ``userId`` / ``anonymousId`` names (created if new, as ingest
    does). Raises ``IdentityMissing`` when both are empty."""
    return inapp.resolve_respondent(session, workspace_id, user_id=user_id,
                                    anonymous_id=anonymous_id, at=at)


def find_eligible_survey(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId | int, *, at: datetime
) -> Survey | None:
    """The active survey to show this customer in the app now, or None.

    None when the customer answered any survey, or was shown any survey in-app, within the
    survey's ``recontact_days`` (local days of the workspace). Among eligible surveys the
    one updated most recently wins. Does not record anything: call ``record_impression``
    when the app shows it.
    """
    return inapp.find_eligible_survey(session, workspace_id, CustomerId(int(customer_id)), at=at)


def record_impression(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    customer_id: CustomerId | int,
    *,
    at: datetime,
) -> None:
    """Remember that the survey was shown to the customer today (only the local date)."""
    inapp.record_impression(session, workspace_id, SurveyId(int(survey_id)),
                            CustomerId(int(customer_id)), at=at)


# --- results and CSV -----------------------------------------------------------------------


def survey_results(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    *,
    period: DateRange | None = None,
    by: str | None = None,
    groups: Mapping[int, str] | None = None,
    at: datetime,
) -> SurveyResults:
    """Score with n and 95 % interval, change vs the previous period, monthly trend,
    per-question distributions and an optional breakdown.

    ``period``: local days (default: the last 30 days up to ``at``). ``by``: a hidden field
    (``category``, ``product_id``, …) or ``segment`` / ``stage`` together with ``groups``
    (customer id → group name, e.g. from the metrics domain). Groups with fewer than 5
    responses are hidden; for anonymous surveys every figure about fewer than 5 responses is
    hidden and breakdowns by customer are refused (``Invalid``).
    """
    return results.survey_results(session, workspace_id, SurveyId(int(survey_id)),
                                  period=period, by=by, groups=groups, at=at)


def customer_groups(
    sessions: sessionmaker[Session],
    database_url: str,
    workspace_id: WorkspaceId,
    *,
    by: str,
    at: datetime,
) -> dict[int, str]:
    """Customer id → RFM segment (``by="segment"``) or journey stage (``by="stage"``), from
    the metrics domain, to pass as ``groups`` to :func:`survey_results`. Call it outside the
    caller's transaction (it snapshots the store)."""
    return metrics.customer_groups(sessions, database_url, workspace_id, by=by, now=at)


def export_responses_csv(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    *,
    locale: str = "en",
    headers: str = "labels",
    period: DateRange | None = None,
) -> Iterator[str]:
    """CSV lines (with ``\\r\\n``) of the complete responses: one row per response, one column
    per question. ``headers="labels"``: "q1 · prompt" headers in ``locale``; ``"ids"``:
    question ids (re-importable). Anonymous surveys have no identity or time column. Cells
    starting with = + - @ (or tab / CR) are prefixed with ' against CSV injection."""
    return csvio.export_csv(session, workspace_id, SurveyId(int(survey_id)), locale=locale,
                            headers=headers, period=period)


def import_responses_csv(
    session: Session,
    workspace_id: WorkspaceId,
    survey_id: SurveyId | int,
    lines: str | Iterable[str],
    *,
    at: datetime,
) -> ImportReport:
    """Import past responses from another tool's CSV (format in docs/reference/surveys.md).

    Columns are matched by question id (``q1`` or ``q1 · …``); optional ``response_id``,
    ``submitted_at`` / ``date``, ``email``, ``user_id``, ``locale`` and hidden-field columns.
    Bad rows are rejected with their line number, good rows imported; importing the same
    file twice adds nothing (idempotent by ``response_id`` or by a hash of the row).
    """
    return csvio.import_csv(session, workspace_id, SurveyId(int(survey_id)), lines, at=at)


def responses_since(
    session: Session, workspace_id: WorkspaceId, *, after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[str, CustomerId, datetime]]:
    """Completed responses by known customers after the (completed_at, id) mark, in that
    order: (response id, customer, completed at). For the loyalty programme's survey bonus."""
    from sqlalchemy import select

    from kizuna.surveys.tables import SurveyResponseRow as R

    query = select(R.id, R.customer_id, R.completed_at).where(
        R.workspace_id == workspace_id, R.complete.is_(True), R.customer_id.is_not(None),
        R.completed_at.is_not(None))
    if after is not None:
        at, last_id = after
        query = query.where((R.completed_at > at) | ((R.completed_at == at) & (R.id > last_id)))
    rows = session.execute(query.order_by(R.completed_at, R.id).limit(limit))
    return [(str(i), CustomerId(c), at) for i, c, at in rows if c is not None and at is not None]
