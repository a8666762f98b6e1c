"""CSV export (ja/en headers, no identity for anonymous surveys, injection guard) and import
of past responses (line-numbered rejects, idempotent), on real databases."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.ingest.tables import EventRow
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import ResponseStart, Survey
from kizuna.workspaces.contracts import Workspace
from tests.integration.surveys.conftest import T0, customer

PAST = (
    "response_id,submitted_at,email,user_id,order_id,nps,reason,improve\r\n"
    "ext-1,2026-10-02T10:00:00+09:00,a@example.com,,A-9,3,price,=HYPERLINK(\"x\")\r\n"
    "ext-2,2026-10-03 12:00,,legacy-7,,10,,\r\n"
    "ext-3,2026-10-04,,,,eleven,,\r\n"
    "ext-4,not a date,,,,5,,\r\n"
    "ext-5,2026-10-05,,,,4,colour,\r\n"
)


def _rows(lines: list[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines))))


def test_export_has_headers_per_locale_and_guards_formulas(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    cid = customer(session, workspace, "u-csv")
    surveys.answer_survey(session, workspace.id, nps_survey.key,
                          {"nps": 6, "reason": "quality", "improve": "=1+1 <script>"},
                          ResponseStart(customer_id=cid, hidden={"order_id": "@A-1"}), at=T0)
    en = _rows(list(surveys.export_responses_csv(session, workspace.id, nps_survey.id)))
    assert en[0][:3] == ["Response ID", "Date", "Language"]
    assert "nps · How likely are you to recommend us to a friend or colleague?" in en[0]
    row = dict(zip(en[0], en[1], strict=True))
    assert row["Customer ID"] == str(cid) and row["User ID"] == "u-csv"
    assert row["order_id"] == "'@A-1"
    assert row["improve · What should we improve?"] == "'=1+1 <script>"
    assert row["reason · What is the main reason?"] == "Quality"
    ja = _rows(list(surveys.export_responses_csv(session, workspace.id, nps_survey.id,
                                                 locale="ja")))
    assert ja[0][0] == "回答ID" and "reason · 一番の理由は？" in ja[0]
    assert dict(zip(ja[0], ja[1], strict=True))["reason · 一番の理由は？"] == "品質"
    ids = _rows(list(surveys.export_responses_csv(session, workspace.id, nps_survey.id,
                                                  headers="ids")))
    assert {"nps", "reason", "customer_id"} <= set(ids[0])


def test_anonymous_export_has_no_identity_column(
    session: Session, workspace: Workspace, enps_survey: Survey
) -> None:
    surveys.answer_survey(session, workspace.id, enps_survey.key, {"enps": 8},
                          ResponseStart(customer_id=customer(session, workspace, "e1")), at=T0)
    header = _rows(list(surveys.export_responses_csv(session, workspace.id, enps_survey.id,
                                                     headers="ids")))[0]
    assert not {"customer_id", "user_id", "completed_at"} & set(header)


def test_import_reports_bad_lines_and_is_idempotent(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    report = surveys.import_responses_csv(session, workspace.id, nps_survey.id, PAST, at=T0)
    assert report.imported == 2 and report.skipped_duplicates == 0
    assert [(r.line, r.field) for r in report.rejected] == [
        (4, "nps"), (5, "submitted_at"), (6, "reason")]
    again = surveys.import_responses_csv(session, workspace.id, nps_survey.id, PAST, at=T0)
    assert again.imported == 0 and again.skipped_duplicates == 2
    stored = surveys.list_responses(session, workspace.id, nps_survey.id)
    assert sorted(r.score for r in stored if r.score is not None) == [3, 10]
    first = next(r for r in stored if r.score == 3)
    assert first.comment == '=HYPERLINK("x")' and first.hidden == {"order_id": "A-9"}
    assert str(first.completed_on) == "2026-10-02" and first.customer_id is not None
    events = session.scalars(select(EventRow).where(EventRow.event == "Survey Responded")).all()
    assert len(events) == 2
    no_ids = "submitted_at,nps\r\n2026-10-01,9\r\n2026-10-01,9\r\n"
    twice = surveys.import_responses_csv(session, workspace.id, nps_survey.id, no_ids, at=T0)
    assert twice.imported == 2  # identical rows are two responses …
    thrice = surveys.import_responses_csv(session, workspace.id, nps_survey.id, no_ids, at=T0)
    assert thrice.imported == 0 and thrice.skipped_duplicates == 2  # … imported once


def test_a_file_without_question_columns_is_refused_whole(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    import pytest

    from kizuna.surveys.errors import SurveyImportInvalid

    with pytest.raises(SurveyImportInvalid, match="question"):
        surveys.import_responses_csv(session, workspace.id, nps_survey.id,
                                     "date,score\r\n2026-01-01,9\r\n", at=T0)
    with pytest.raises(SurveyImportInvalid, match="time"):
        surveys.import_responses_csv(session, workspace.id, nps_survey.id, "nps\r\n9\r\n",
                                     at=T0)


def test_reimporting_kizunas_own_export_adds_nothing(
    session: Session, workspace: Workspace, nps_survey: Survey
) -> None:
    """Regression: an exported file (with its response_id column) imported back into the
    same survey used to create every response a second time."""
    cid = customer(session, workspace, "u-roundtrip")
    surveys.answer_survey(session, workspace.id, nps_survey.key, {"nps": 9},
                          ResponseStart(customer_id=cid), at=T0)
    exported = "".join(surveys.export_responses_csv(session, workspace.id, nps_survey.id,
                                                    headers="ids"))
    report = surveys.import_responses_csv(session, workspace.id, nps_survey.id, exported, at=T0)
    assert report.imported == 0 and report.skipped_duplicates == 1, report
    assert len(surveys.list_responses(session, workspace.id, nps_survey.id)) == 1
