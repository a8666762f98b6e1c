"""Responses through the facade on real SQLite and PostgreSQL: steps, partial progress,
completion (timeline event, feedback inbox), invalid answers, personal links, versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.feedback.tables import FeedbackItemRow
from kizuna.ingest.tables import EventRow
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel, ResponseStart, Survey
from kizuna.surveys.errors import (
    AnswerInvalid,
    InvitationExpired,
    InvitationInvalid,
    InvitationUsed,
    SurveyClosed,
    SurveyNotFound,
    SurveyResponseComplete,
)
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.integration.surveys.conftest import T0, customer
from tests.unit.surveys.examples import NPS_DOC, doc

HTML = "<script>alert(1)</script>"


def test_step_by_step_with_branching_partial_progress_and_completion(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    cid = customer(session, workspace, "u-1")
    start = ResponseStart(channel=Channel.LINK, locale="en-US", customer_id=cid,
                          hidden={"order_id": "A-1", "category": "shoes", "evil": "x"})
    p = surveys.start_response(session, workspace.id, nps_survey.id, start, at=T0)
    assert (p.next_question, p.position, p.locale, p.complete) == ("nps", 1, "en", False)
    p = surveys.submit_answers(session, workspace.id, p.response_id, {"nps": "4"}, at=T0)
    assert (p.next_question, p.position, p.total) == ("reason", 2, 3)
    resumed = surveys.get_progress(session, workspace.id, p.response_id)
    assert resumed.next_question == "reason" and resumed.answers == {"nps": 4}
    p = surveys.submit_answers(session, workspace.id, p.response_id, {"reason": ""}, at=T0)
    assert p.next_question == "improve"
    p = surveys.submit_answers(session, workspace.id, p.response_id,
                               {"improve": f"遅い {HTML}"}, at=T0 + timedelta(minutes=2))
    assert p.complete and p.next_question is None
    stored = surveys.get_response(session, workspace.id, p.response_id)
    assert stored.score == 4 and stored.comment == f"遅い {HTML}"  # as typed, never altered
    assert stored.hidden == {"order_id": "A-1", "category": "shoes"}
    assert stored.customer_id == cid and stored.completed_at is not None
    event = session.scalar(select(EventRow).where(EventRow.event == "Survey Responded"))
    assert event is not None and event.customer_id == cid
    props = event.properties if isinstance(event.properties, dict) else __import__(
        "json").loads(event.properties)
    assert props["survey_type"] == "nps" and props["score"] == 4
    assert props["order_id"] == "A-1" and props["response_id"] == p.response_id
    item = session.scalar(select(FeedbackItemRow).where(FeedbackItemRow.ref == p.response_id))
    assert item is not None and item.kind == "survey_response" and item.customer_id == cid
    assert item.score == 4 and item.category == "shoes" and not item.anonymous
    with pytest.raises(SurveyResponseComplete):
        surveys.submit_answers(session, workspace.id, p.response_id, {"nps": 9}, at=T0)


def test_invalid_answers_are_listed_per_question_and_nothing_is_saved(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    p = surveys.start_response(session, workspace.id, nps_survey.id,
                               ResponseStart(locale="ja"), at=T0)
    with pytest.raises(AnswerInvalid) as info:
        surveys.submit_answers(session, workspace.id, p.response_id,
                               {"nps": "11", "reason": "colour", "improve": "x" * 2001,
                                "ghost": 1}, at=T0)
    by_question = info.value.by_question
    assert set(by_question) == {"nps", "reason", "improve", "ghost"}
    assert "0から10" in by_question["nps"]
    assert surveys.get_progress(session, workspace.id, p.response_id).answers == {}


def test_one_shot_answers_need_required_questions(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    with pytest.raises(AnswerInvalid) as info:
        surveys.answer_survey(session, workspace.id, nps_survey.key, {"reason": "price"},
                              ResponseStart(channel=Channel.IN_APP), at=T0)
    assert info.value.errors[0]["key"] == "required"
    done = surveys.answer_survey(session, workspace.id, nps_survey.key, {"nps": 10},
                                 ResponseStart(channel=Channel.IN_APP), at=T0)
    assert done.complete and done.path == ("nps", "praise")
    assert surveys.list_surveys(session, workspace.id)[0].responses == 1


def test_personal_links_are_single_use_and_expire(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    cid = customer(session, workspace, "u-2")
    inv = surveys.issue_invitation(session, workspace.id, nps_survey.id, cid, at=T0,
                                   valid_for=timedelta(days=7))
    assert inv.path == f"/p/s/{nps_survey.key}?t={inv.token}"
    assert surveys.check_invitation(session, workspace.id, nps_survey.key, inv.token,
                                    at=T0).customer_id == cid
    start = ResponseStart(token=inv.token)
    first = surveys.start_response(session, workspace.id, nps_survey.id, start, at=T0)
    again = surveys.start_response(session, workspace.id, nps_survey.id, start, at=T0)
    assert again.response_id == first.response_id  # resumed, not started twice
    surveys.submit_answers(session, workspace.id, first.response_id, {"nps": 9, "praise": ""},
                           at=T0)
    assert surveys.get_response(session, workspace.id, first.response_id).customer_id == cid
    with pytest.raises(InvitationUsed):
        surveys.start_response(session, workspace.id, nps_survey.id, start, at=T0)
    with pytest.raises(InvitationUsed):
        surveys.answer_survey(session, workspace.id, nps_survey.key, {"nps": 1}, start, at=T0)
    with pytest.raises(InvitationInvalid):
        surveys.check_invitation(session, workspace.id, nps_survey.key, "forged", at=T0)
    late = surveys.issue_invitation(session, workspace.id, nps_survey.id, cid, at=T0,
                                    valid_for=timedelta(days=1))
    with pytest.raises(InvitationExpired):
        surveys.check_invitation(session, workspace.id, nps_survey.key, late.token,
                                 at=T0 + timedelta(days=2))


def test_drafts_are_not_found_closed_surveys_are_gone_and_versions_are_kept(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    draft = surveys.create_survey(session, workspace.id, surveys.parse_definition(
        doc(NPS_DOC, key="draft-one")), at=T0)
    with pytest.raises(SurveyNotFound):
        surveys.get_public_survey(session, workspace.id, draft.key, at=T0)
    p = surveys.start_response(session, workspace.id, nps_survey.id, ResponseStart(), at=T0)
    changed = doc(NPS_DOC, title={"ja": "新しい題", "en": "New title"})
    v2 = surveys.update_survey(session, workspace.id, nps_survey.id,
                               surveys.parse_definition(changed), at=T0)
    assert v2.version == 2
    assert surveys.get_progress(session, workspace.id, p.response_id).version == 1
    surveys.set_survey_status(session, workspace.id, nps_survey.id, "closed", at=T0)
    with pytest.raises(SurveyClosed):
        surveys.get_public_survey(session, workspace.id, nps_survey.key, at=T0)
    with pytest.raises(SurveyClosed):
        surveys.submit_answers(session, workspace.id, p.response_id, {"nps": 5}, at=T0)


def test_an_unknown_customer_is_refused_before_anything_is_stored(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    from kizuna.profiles.errors import CustomerNotFound

    with pytest.raises(CustomerNotFound):
        surveys.start_response(session, workspace.id, nps_survey.id,
                               ResponseStart(customer_id=CustomerId(987654)), at=T0)
