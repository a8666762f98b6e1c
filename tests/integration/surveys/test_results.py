"""Results: score with n and interval from the metrics statistics, change, trend,
distributions, breakdowns (hidden below 5), on real databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from kizuna.errors import Invalid
from kizuna.metrics import api as metrics
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import DateRange, ResponseStart, Survey
from kizuna.workspaces.contracts import Workspace
from tests.integration.surveys.conftest import T0, customer
from tests.unit.surveys.examples import NPS_DOC

NOW = [9, 10, 10, 7, 3, 9, 8, 6]
BEFORE = [5, 6, 9, 2, 7]


def test_score_change_trend_distributions_and_breakdowns(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    groups: dict[int, str] = {}
    for i, score in enumerate(NOW):
        cid = customer(session, workspace, f"r{i}")
        groups[cid] = "loyal" if i < 6 else "new"
        answers = {"nps": score} | ({"reason": "price"} if score < 9 else {})
        surveys.answer_survey(session, workspace.id, nps_survey.key, answers,
                              ResponseStart(customer_id=cid, hidden={
                                  "category": "shoes" if i < 5 else "bags"}), at=T0)
    for score in BEFORE:
        surveys.answer_survey(session, workspace.id, nps_survey.key, {"nps": score},
                              ResponseStart(), at=T0 - timedelta(days=40))
    surveys.start_response(session, workspace.id, nps_survey.id, ResponseStart(), at=T0)
    r = surveys.survey_results(session, workspace.id, nps_survey.id, at=T0, by="category")
    expected = metrics.satisfaction_score("nps", NOW)
    assert r.responses == len(NOW) and r.partial == 1
    assert r.score is not None and r.score.n == len(NOW)
    assert r.score.value == pytest.approx(expected.value)
    assert (r.score.ci_low, r.score.ci_high) == pytest.approx((expected.ci_low,
                                                                expected.ci_high))
    assert r.change is not None and r.change.previous.n == len(BEFORE)
    assert r.change.difference == pytest.approx(
        expected.value - metrics.satisfaction_score("nps", BEFORE).value)
    november = next(p for p in r.trend if p.month == date(2026, 11, 1))
    october = next(p for p in r.trend if p.month == date(2026, 10, 1))
    assert (november.n, october.n) == (len(NOW), len(BEFORE))
    nps_q = next(q for q in r.questions if q.question_id == "nps")
    assert nps_q.counts["10"] == 2 and nps_q.counts["0"] == 0 and nps_q.answered == 8
    reason = next(q for q in r.questions if q.question_id == "reason")
    assert reason.counts == {"price": 4, "quality": 0, "delivery": 0}
    assert r.breakdown is not None
    assert [(g.group, g.n) for g in r.breakdown.groups] == [("shoes", 5)]
    assert r.breakdown.hidden == 1  # bags: 3 responses
    by_segment = surveys.survey_results(session, workspace.id, nps_survey.id, at=T0,
                                        by="segment", groups=groups)
    assert by_segment.breakdown is not None
    assert [g.group for g in by_segment.breakdown.groups] == ["loyal"]
    custom = surveys.survey_results(session, workspace.id, nps_survey.id, at=T0,
                                    period=DateRange(start=date(2026, 10, 1),
                                                     end=date(2026, 10, 31)))
    assert custom.responses == len(BEFORE)
    with pytest.raises(Invalid):
        surveys.survey_results(session, workspace.id, nps_survey.id, at=T0, by="colour")


def test_breakdown_by_journey_stage_with_groups_from_the_metrics_domain(
    runtime: Runtime, settings: Settings, workspace: Workspace
) -> None:
    with runtime.sessions.begin() as s:
        survey = surveys.create_survey(s, workspace.id, surveys.parse_definition(NPS_DOC),
                                       at=T0, status="active")
        for i in range(6):
            cid = customer(s, workspace, f"stage-{i}")
            surveys.answer_survey(s, workspace.id, survey.key, {"nps": 9 + i % 2},
                                  ResponseStart(customer_id=cid), at=T0)
    groups = surveys.customer_groups(runtime.sessions, settings.database_url, workspace.id,
                                     by="stage", at=T0 + timedelta(hours=1))
    assert all(isinstance(k, int) and isinstance(v, str) for k, v in groups.items())
    with runtime.sessions.begin() as s:
        r = surveys.survey_results(s, workspace.id, survey.id, at=T0, by="stage",
                                   groups=groups)
    assert r.breakdown is not None
    assert set(groups.values()) == {"advocacy"}  # promoters' answers make them advocates
    assert [(g.group, g.n) for g in r.breakdown.groups] == [("advocacy", 6)]
    assert r.breakdown.unassigned == 0
    assert surveys.customer_groups(runtime.sessions, settings.database_url, workspace.id,
                                   by="segment", at=T0) == {}  # no orders, no RFM segment
