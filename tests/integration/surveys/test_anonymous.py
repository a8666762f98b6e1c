"""Re-identification test: after an anonymous personal-link response, nothing in any table
(every column of every table in the metadata) or any log line links it back to the person."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.clock import as_utc
from kizuna.db.metadata import import_all_tables
from kizuna.ids import hash_secret
from kizuna.runtime import Runtime
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import ResponseStart
from kizuna.surveys.errors import InvitationUsed
from kizuna.workspaces.contracts import Workspace
from tests.integration.surveys.conftest import T0, customer
from tests.unit.surveys.examples import ENPS_DOC

T_START = T0 + timedelta(hours=3, minutes=7, seconds=11)
T_DONE = T_START + timedelta(minutes=4, seconds=29)


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _close_in_time(value: Any, moments: list[datetime]) -> bool:
    if isinstance(value, datetime):
        return any(abs(as_utc(value) - m) < timedelta(seconds=2) for m in moments)
    if isinstance(value, str) and len(value) >= 16:
        for m in moments:
            for fmt in (m.isoformat(), m.replace(tzinfo=None).isoformat(sep=" "),
                        m.strftime("%Y-%m-%dT%H:%M")):
                if fmt[:16] in value:
                    return True
    return False


def test_an_anonymous_personal_link_response_cannot_be_joined_back(
    runtime: Runtime, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with runtime.sessions.begin() as s:
        survey = surveys.create_survey(s, workspace.id, surveys.parse_definition(ENPS_DOC),
                                       at=T0, status="active")
        cid = customer(s, workspace, "employee-4711")
        inv = surveys.issue_invitation(s, workspace.id, survey.id, cid, at=T0)
    with runtime.sessions.begin() as s:
        start = ResponseStart(token=inv.token, locale="ja", customer_id=cid,
                              hidden={"department": "sales"})
        progress = surveys.start_response(s, workspace.id, survey.id, start, at=T_START)
        response_id = progress.response_id
    with runtime.sessions.begin() as s:
        done = surveys.submit_answers(s, workspace.id, response_id,
                                      {"enps": "3", "comment": "上司が <b>怖い</b>"},
                                      at=T_DONE, token=inv.token)
        assert done.complete
    with runtime.sessions.begin() as s, pytest.raises(InvitationUsed):  # still single use
        surveys.start_response(s, workspace.id, survey.id, ResponseStart(token=inv.token),
                               at=T_DONE)

    identity_strings = {"employee-4711", inv.token, hash_secret(inv.token)}
    moments = [T_START, T_DONE]
    problems: list[str] = []
    with runtime.sessions() as s:
        for table in import_all_tables().sorted_tables:
            for row in s.execute(select(table)).mappings():
                values = dict(row)
                texts = {k: _text(v) for k, v in values.items() if v is not None}
                holds_response = any(response_id in t for t in texts.values())
                for column, value in values.items():
                    if value is None:
                        continue
                    if _close_in_time(value, moments):
                        problems.append(f"{table.name}.{column} keeps the time of answering")
                if not holds_response:
                    continue
                for column, value in values.items():
                    if value is None:
                        continue
                    if any(s_ in texts[column] for s_ in identity_strings):
                        problems.append(f"{table.name}.{column} links the response to the "
                                        "person (user id / token)")
                    if ("customer" in column or "invitation" in column or "user" in column) \
                            and not isinstance(value, bool):
                        problems.append(f"{table.name}.{column}={value!r} sits next to the "
                                        "response id")
                    if isinstance(value, datetime):
                        problems.append(f"{table.name}.{column} keeps a time of day")
        invitation = s.execute(select(import_all_tables().tables["survey_invitations"])
                               ).mappings().one()
        assert invitation["used"] is True
        assert invitation["used_at"] is None and invitation["response_id"] is None
        events = s.execute(select(import_all_tables().tables["events"])).mappings().all()
        assert [e for e in events if e["event"] == "Survey Responded"] == []
        stored = surveys.get_response(s, workspace.id, response_id)
        assert stored.customer_id is None and stored.completed_at is None
        assert stored.completed_on == date(2026, 11, 20)  # only the local day
        assert stored.hidden == {"department": "sales"} and stored.score == 3
        assert len(response_id) == 32 and not response_id.isdigit()
    assert problems == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not any(s_ in logged for s_ in (*identity_strings, response_id))


def test_anonymous_results_hide_figures_about_fewer_than_five(
    session: Session, workspace: Workspace
) -> None:
    survey = surveys.create_survey(session, workspace.id, surveys.parse_definition(ENPS_DOC),
                                   at=T0, status="active")
    for score in (9, 10, 2):
        surveys.answer_survey(session, workspace.id, survey.key, {"enps": score},
                              ResponseStart(hidden={"department": "sales"}), at=T0)
    results = surveys.survey_results(session, workspace.id, survey.id, at=T0, by="department")
    assert results.responses == 3 and results.score is None and results.note
    assert results.questions[0].counts == {}
    assert results.breakdown is not None and results.breakdown.groups == ()
    assert results.breakdown.hidden == 1
    for score in (9, 10):
        surveys.answer_survey(session, workspace.id, survey.key, {"enps": score},
                              ResponseStart(hidden={"department": "sales"}), at=T0)
    results = surveys.survey_results(session, workspace.id, survey.id, at=T0, by="department")
    assert results.score is not None and results.score.n == 5
    assert results.score.value == pytest.approx(100 * (4 - 1) / 5)
    assert [g.group for g in results.breakdown.groups] == ["sales"]  # type: ignore[union-attr]
    with pytest.raises(Exception, match="Anonymous surveys cannot be broken down"):
        surveys.survey_results(session, workspace.id, survey.id, at=T0, by="segment",
                               groups={})
