"""Responses: start, answer step by step (partial progress kept), complete.

Completion records the score, puts a ``Survey Responded`` event on the customer's timeline
(non-anonymous surveys only) and hands a free-text comment to the feedback inbox.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.errors import Invalid
from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackInput
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.surveys import invitations, store
from kizuna.surveys.answers import problem, validate_answer
from kizuna.surveys.branching import path_of
from kizuna.surveys.contracts import (
    LOCALES,
    Channel,
    ResponseId,
    ResponseProgress,
    ResponseStart,
    SurveyDefinition,
    SurveyId,
    localized,
)
from kizuna.surveys.errors import (
    AnswerInvalid,
    InvitationInvalid,
    InvitationUsed,
    SurveyResponseComplete,
)
from kizuna.surveys.tables import SurveyInvitationRow, SurveyResponseRow, SurveyRow
from kizuna.types import CustomerId, WorkspaceId

EVENT = "Survey Responded"
MAX_HIDDEN_LENGTH = 200


def new_response_id() -> str:
    """32 random hex characters: ids say nothing about order or time."""
    return secrets.token_hex(16)


def _locale(locale: str | None, definition: SurveyDefinition) -> str:
    if locale:
        short = locale.strip().lower().replace("_", "-").split("-")[0]
        if short in LOCALES:
            return short
    return definition.default_locale


def clean_hidden(definition: SurveyDefinition, hidden: Mapping[str, Any]) -> dict[str, str]:
    """Declared hidden fields only; each a text of at most 200 characters without NUL."""
    out: dict[str, str] = {}
    for name in definition.hidden_fields:
        value = hidden.get(name)
        if value is None or value == "":
            continue
        text = str(value)
        if len(text) > MAX_HIDDEN_LENGTH or "\x00" in text:
            raise Invalid(f"Hidden field {name!r} must be at most {MAX_HIDDEN_LENGTH} "
                          "characters without NUL bytes.", field=f"hidden.{name}")
        out[name] = text
    return out


def check_answers(definition: SurveyDefinition, current: Mapping[str, Any],
                  incoming: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """``current`` updated with the validated ``incoming`` answers (``AnswerInvalid`` lists
    every problem at once)."""
    errors: list[dict[str, str]] = []
    merged = dict(current)
    known = set(definition.question_ids)
    for qid, value in incoming.items():
        if qid not in known:
            errors.append(problem(str(qid)[:64], "unknown_question", locale))
            continue
        try:
            merged[qid] = validate_answer(definition.question(qid), value, locale=locale)
        except AnswerInvalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise AnswerInvalid(errors, locale=locale)
    return merged


def finish_answers(definition: SurveyDefinition, answers: Mapping[str, Any],
                   locale: str) -> dict[str, Any]:
    """Pass the unanswered optional questions on the path; required ones are errors."""
    merged = dict(answers)
    errors = []
    for qid in path_of(definition, merged):
        if qid not in merged:
            if definition.question(qid).required:
                errors.append(problem(qid, "required", locale))
            else:
                merged[qid] = None
    if errors:
        raise AnswerInvalid(errors, locale=locale)
    return merged


def _progress(row: SurveyResponseRow, survey: SurveyRow,
              definition: SurveyDefinition) -> ResponseProgress:
    answers = dict(row.answers)
    path = path_of(definition, answers)
    pending = [qid for qid in path if qid not in answers]
    nxt = None if row.complete or not pending else pending[0]
    return ResponseProgress(
        response_id=ResponseId(row.id), survey_id=SurveyId(survey.id), survey_key=survey.key,
        version=row.version, locale=row.locale, complete=row.complete, next_question=nxt,
        answers=answers, position=path.index(nxt) + 1 if nxt else len(path), total=len(path),
        path=path)


def start_response(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId,
                   start: ResponseStart, *, at: datetime) -> ResponseProgress:
    at = ensure_aware_utc(at)
    survey_row = store.survey_row(session, workspace_id, survey_id)
    store.check_open(survey_row, at=at)
    definition = store.definition_of(session, survey_row)
    hidden = clean_hidden(definition, start.hidden)
    channel = Channel(start.channel)
    customer_id: int | None = start.customer_id
    invitation: SurveyInvitationRow | None = None
    if start.token:
        invitation = invitations.usable_row(session, workspace_id, survey_row.id, start.token,
                                            at=at)
        customer_id = invitation.customer_id
        if channel is Channel.LINK:
            channel = Channel.PERSONAL
        if not survey_row.anonymous and invitation.response_id:
            resumed = session.get(SurveyResponseRow, invitation.response_id)
            if resumed is not None and not resumed.complete:
                return _progress(resumed, survey_row, definition)
    anonymous = survey_row.anonymous
    if customer_id is not None and not anonymous and invitation is None:
        customer_id = profiles.get_customer(session, workspace_id, customer_id).id  # exists?
    row = SurveyResponseRow(
        id=new_response_id(), workspace_id=workspace_id, survey_id=survey_row.id,
        version=survey_row.current_version, channel=channel.value,
        locale=_locale(start.locale, definition), anonymous=anonymous, complete=False,
        answers={}, hidden=hidden, started_on=store.local_date(session, workspace_id, at),
        customer_id=None if anonymous else customer_id,
        invitation_id=None if anonymous or invitation is None else invitation.id,
        started_at=None if anonymous else at)
    session.add(row)
    if invitation is not None and not anonymous:
        invitation.response_id = row.id
    session.flush()
    return _progress(row, survey_row, definition)


def submit_answers(session: Session, workspace_id: WorkspaceId, response_id: ResponseId,
                   answers: Mapping[str, Any], *, at: datetime, token: str | None,
                   finish: bool) -> ResponseProgress:
    at = ensure_aware_utc(at)
    row = store.response_row(session, workspace_id, response_id)
    if row.complete:
        raise SurveyResponseComplete(response_id=row.id)
    survey_row = store.survey_row(session, workspace_id, row.survey_id)
    store.check_open(survey_row, at=at)
    definition = store.definition_of(session, survey_row, row.version)
    merged = check_answers(definition, row.answers, answers, row.locale)
    if finish:
        merged = finish_answers(definition, merged, row.locale)
    row.answers = merged
    path = path_of(definition, merged)
    if all(qid in merged for qid in path):
        complete_response(session, workspace_id, survey_row, row, definition, path, at=at,
                          token=token)
    session.flush()
    return _progress(row, survey_row, definition)


def complete_response(session: Session, workspace_id: WorkspaceId, survey: SurveyRow,
              row: SurveyResponseRow, definition: SurveyDefinition, path: tuple[str, ...], *,
              at: datetime, token: str | None) -> None:
    anonymous = row.anonymous
    answers = {qid: row.answers[qid] for qid in path}  # answers off the final path are dropped
    score = answers.get(definition.score_question) if definition.score_question else None
    comment = answers.get(definition.comment_question) if definition.comment_question else None
    _redeem(session, workspace_id, row, token, at=at)
    row.answers = answers
    row.score = score if isinstance(score, int) else None
    row.comment = comment if isinstance(comment, str) else None
    row.complete = True
    row.completed_on = store.local_date(session, workspace_id, at)
    row.completed_at = None if anonymous else at
    hidden = dict(row.hidden)
    if not anonymous and row.customer_id is not None:
        ingest.record_customer_event(
            session, workspace_id, customer_id=row.customer_id, event=EVENT,
            properties={**hidden, "survey_id": survey.id, "survey_key": survey.key,
                        "survey_type": survey.kind, "score": row.score,
                        "comment": row.comment, "response_id": row.id,
                        "survey_version": row.version, "channel": row.channel},
            at=at, message_id=f"survey:{row.id}")
    if row.comment:
        score_kind = survey.kind if survey.kind != "custom" else (
            "rating" if row.score is not None else None)
        feedback.record_feedback(session, workspace_id, FeedbackInput(
            kind="survey_response", ref=row.id, text=row.comment,
            received_on=row.completed_on, received_at=None if anonymous else at,
            customer_id=None if anonymous or row.customer_id is None
            else CustomerId(row.customer_id),
            anonymous=anonymous, score_kind=score_kind if row.score is not None else None,
            score=row.score, locale=row.locale,
            subject=localized(definition.title, row.locale, definition.default_locale),
            product_id=hidden.get("product_id"), category=hidden.get("category"),
            attributes={"survey_key": survey.key}))


def _redeem(session: Session, workspace_id: WorkspaceId, row: SurveyResponseRow,
            token: str | None, *, at: datetime) -> None:
    """Use up the personal link (one response per link)."""
    if not row.anonymous:
        if row.invitation_id is None:
            return
        inv = session.get(SurveyInvitationRow, row.invitation_id, with_for_update=True)
        if inv is None:
            return
        if inv.used:
            raise InvitationUsed()
        invitations.mark_used(inv, anonymous=False, response_id=row.id, at=at)
        return
    if row.channel not in (Channel.PERSONAL.value, Channel.EMAIL.value):
        return
    if not token:
        raise InvitationInvalid("This answer came from a personal link; send the link's token "
                                "again to submit it.")
    inv = invitations.usable_row(session, workspace_id, row.survey_id, token, at=at)
    invitations.mark_used(inv, anonymous=True, response_id=row.id, at=at)


def get_progress(session: Session, workspace_id: WorkspaceId,
                 response_id: ResponseId) -> ResponseProgress:
    row = store.response_row(session, workspace_id, response_id)
    survey_row = store.survey_row(session, workspace_id, row.survey_id)
    definition = store.get_survey(session, workspace_id, SurveyId(row.survey_id),
                                  version=row.version).definition
    return _progress(row, survey_row, definition)


def answer_survey(session: Session, workspace_id: WorkspaceId, survey_key: str,
                  answers: Mapping[str, Any], start: ResponseStart, *,
                  at: datetime) -> ResponseProgress:
    survey = store.get_public_survey(session, workspace_id, survey_key, at=at)
    locale = _locale(start.locale, survey.definition)
    checked = finish_answers(survey.definition,
                             check_answers(survey.definition, {}, answers, locale), locale)
    if start.token:  # fail before storing anything
        invitations.usable_row(session, workspace_id, survey.id, start.token, at=at)
    progress = start_response(session, workspace_id, survey.id, start, at=at)
    return submit_answers(session, workspace_id, progress.response_id, checked, at=at,
                          token=start.token, finish=True)
