"""`kizuna survey …` through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.runtime import Runtime
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Channel, ResponseStart
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.surveys.conftest import NPS_DOC, create_customer, doc

runner = CliRunner()


def _run(database_url: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--database-url", database_url, "survey", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_create_open_invite_answer_export_import(
    database_url: str, runtime: Runtime, workspace: Workspace, tmp_path: Path
) -> None:
    definition = tmp_path / "nps.json"
    definition.write_text(json.dumps(NPS_DOC, ensure_ascii=False), encoding="utf-8")
    created = json.loads(_run(database_url, "create", str(definition), "--json"))
    assert created["key"] == "nps-2026" and created["status"] == "draft"

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc(NPS_DOC, key="Bad Key!", questions=[])), encoding="utf-8")
    out = _run(database_url, "create", str(broken), code=1)
    assert "survey-definition-invalid" in out and "key:" in out and "questions:" in out
    (tmp_path / "not.json").write_text("{nope", encoding="utf-8")
    assert "valid JSON: line 1" in _run(database_url, "create", str(tmp_path / "not.json"),
                                        code=1).replace("\n", " ")

    assert "is active" in _run(database_url, "status", "nps-2026", "active")
    assert "survey-not-found" in _run(database_url, "status", "nope", "active", code=1)
    listed = json.loads(_run(database_url, "list", "--json"))
    assert [(s["key"], s["status"], s["responses"]) for s in listed] == [
        ("nps-2026", "active", 0)]

    customer = create_customer(runtime, workspace)
    link = json.loads(_run(database_url, "invite", "nps-2026", str(customer), "--days", "3",
                           "--base-url", "https://survey.example", "--json"))
    assert link["url"] == "https://survey.example" + link["path"]
    assert link["path"].startswith("/p/s/nps-2026?t=")

    with runtime.sessions() as s, s.begin():
        for score in (10, 4):
            surveys.answer_survey(s, workspace.id, "nps-2026",
                                  {"score": score, "reason": "price", "comment": "@risky"},
                                  ResponseStart(channel=Channel.IN_APP, locale="ja"),
                                  at=runtime.clock.now())

    results = json.loads(_run(database_url, "results", "nps-2026", "--json"))
    assert results["responses"] == 2 and results["score"]["n"] == 2
    assert "NPS" in _run(database_url, "results", "nps-2026")

    exported = tmp_path / "out.csv"
    assert "Wrote 2 responses" in _run(database_url, "export", "nps-2026", "-o", str(exported),
                                       "--lang", "ja")
    text = exported.read_text(encoding="utf-8")
    assert "'@risky" in text and "回答ID" in text

    past = tmp_path / "past.csv"
    past.write_text("response_id,date,score\r\nx-1,2025-01-05,9\r\nx-2,2025-01-06,99\r\n",
                    encoding="utf-8")
    out = _run(database_url, "import", "nps-2026", str(past), code=2)
    assert "Imported 1" in out and "line 3" in out
    again = json.loads(_run(database_url, "import", "nps-2026", str(past), "--json", code=2))
    assert again["imported"] == 0 and again["skipped_duplicates"] == 1

    assert "version 2" in _run(database_url, "update", "nps-2026", str(definition))
    assert "closed" in _run(database_url, "status", "nps-2026", "closed")
