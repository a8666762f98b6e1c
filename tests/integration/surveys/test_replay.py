"""A personal link submitted twice at the same moment still answers once (real databases)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from kizuna.errors import KizunaError
from kizuna.runtime import Runtime
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import ResponseStart
from kizuna.surveys.errors import InvitationUsed
from kizuna.surveys.tables import SurveyResponseRow
from kizuna.workspaces.contracts import Workspace
from tests.integration.surveys.conftest import T0, customer
from tests.unit.surveys.examples import ENPS_DOC


def test_parallel_submissions_of_one_anonymous_link_complete_one_response(
    runtime: Runtime, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        survey = surveys.create_survey(s, workspace.id, surveys.parse_definition(ENPS_DOC),
                                       at=T0, status="active")
        inv = surveys.issue_invitation(s, workspace.id, survey.id,
                                       customer(s, workspace, "twice"), at=T0)
        started = [surveys.start_response(s, workspace.id, survey.id,
                                          ResponseStart(token=inv.token), at=T0).response_id
                   for _ in range(4)]
    barrier = threading.Barrier(len(started))
    outcomes: list[str] = []

    def submit(response_id: str) -> None:
        barrier.wait()
        try:
            with runtime.sessions.begin() as s:
                surveys.submit_answers(s, workspace.id, response_id, {"enps": 7, "comment": ""},
                                       at=T0, token=inv.token)
            outcomes.append("ok")
        except InvitationUsed:
            outcomes.append("used")
        except KizunaError as exc:  # e.g. SQLite's busy snapshot: retried by the visitor
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=submit, args=(r,)) for r in started]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    with runtime.sessions() as s:
        done = s.scalar(select(func.count()).select_from(SurveyResponseRow).where(
            SurveyResponseRow.complete.is_(True)))
    assert done == 1
