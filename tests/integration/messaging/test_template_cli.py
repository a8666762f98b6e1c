"""`kizuna template preview` through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

runner = CliRunner()
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
DOCUMENT = {
    "name": "welcome", "default_locale": "ja", "from": "Shop <shop@example.com>",
    "ja": {"subject": "{{ customer.first_name }}様へ", "text": "こんにちは {{ customer.name }}",
           "html": "<p>{{ customer.traits.bio | default('') }}</p>"},
    "en": {"subject": "For {{ customer.first_name }}",
           "text": "Hello {{ event.properties.item if event else 'there' }}"},
}


def _setup(runtime: Runtime, workspace: Workspace, tmp_path: Path,
           document: object = DOCUMENT) -> tuple[int, Path]:
    with runtime.sessions() as s, s.begin():
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id="u-ken", first_name="Ken", locale="ja", traits={"bio": "<b>hi</b>"})],
            NOW)
    path = tmp_path / "welcome.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return cid, path


def _run(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--database-url", database_url, "template", "preview", *args])
    return result.exit_code, result.output


def _error_text(out: str) -> str:
    """Rich wraps error lines at the console width (long temporary paths move the breaks)."""
    return " ".join(out.split())


def test_preview_prints_subject_text_and_html(database_url: str, runtime: Runtime,
                                              workspace: Workspace, tmp_path: Path) -> None:
    cid, path = _setup(runtime, workspace, tmp_path)
    code, out = _run(database_url, str(path), "--customer", str(cid))
    assert code == 0, out
    assert "Subject: Ken様へ" in out and "こんにちは Ken" in out
    assert "<p>&lt;b&gt;hi&lt;/b&gt;</p>" in out and "From: Shop <shop@example.com>" in out
    code, out = _run(database_url, str(path), "--customer", "u-ken", "--locale", "en",
                     "--event-json", '{"name": "Viewed", "properties": {"item": "tea"}}',
                     "--json")
    assert code == 0, out
    body = json.loads(out)
    assert body["locale"] == "en" and body["subject"] == "For Ken"
    assert body["text"] == "Hello tea" and body["html"] == ""


def test_preview_errors_are_clear(database_url: str, runtime: Runtime, workspace: Workspace,
                                  tmp_path: Path) -> None:
    cid, path = _setup(runtime, workspace, tmp_path)
    code, out = _run(database_url, str(path), "--customer", "nobody")
    assert code == 1 and "nobody" in _error_text(out)
    code, out = _run(database_url, str(path), "--customer", str(cid), "--event-json", "[1]")
    assert code == 1 and "must be an object" in _error_text(out)
    bad = tmp_path / "bad.json"
    bad.write_text('{"en": {"subject": "x", "text": "a\\n{% for %}"}}', encoding="utf-8")
    code, out = _run(database_url, str(bad), "--customer", str(cid))
    assert code == 1 and "template-invalid" in _error_text(out) and "line 2" in _error_text(out)
    bad.write_text("{not json", encoding="utf-8")
    code, out = _run(database_url, str(bad), "--customer", str(cid))
    assert code == 1 and "not valid JSON" in _error_text(out)
