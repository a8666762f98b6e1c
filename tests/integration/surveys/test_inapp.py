"""In-app eligibility honours recontact_days (answers and impressions), real databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel, ResponseStart, Survey
from kizuna.workspaces.contracts import Workspace
from tests.integration.surveys.conftest import T0


def test_nobody_is_asked_twice_within_the_waiting_time(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    cid = surveys.resolve_respondent(session, workspace.id, user_id="app-user", at=T0)
    assert surveys.resolve_respondent(session, workspace.id, user_id="app-user", at=T0) == cid
    shown = surveys.find_eligible_survey(session, workspace.id, cid, at=T0)
    assert shown is not None and shown.id == nps_survey.id
    surveys.record_impression(session, workspace.id, shown.id, cid, at=T0)
    surveys.record_impression(session, workspace.id, shown.id, cid, at=T0)  # idempotent
    assert surveys.find_eligible_survey(session, workspace.id, cid, at=T0 + timedelta(days=29)
                                        ) is None  # recontact_days = 30
    later = T0 + timedelta(days=31)
    assert surveys.find_eligible_survey(session, workspace.id, cid, at=later) is not None
    surveys.answer_survey(session, workspace.id, nps_survey.key, {"nps": 8},
                          ResponseStart(channel=Channel.IN_APP, customer_id=cid), at=later)
    assert surveys.find_eligible_survey(session, workspace.id, cid,
                                        at=later + timedelta(days=1)) is None
    other = surveys.resolve_respondent(session, workspace.id, anonymous_id="anon-9", at=T0)
    assert surveys.find_eligible_survey(session, workspace.id, other, at=later) is not None
    surveys.set_survey_status(session, workspace.id, nps_survey.id, "closed", at=later)
    assert surveys.find_eligible_survey(session, workspace.id, other, at=later) is None
