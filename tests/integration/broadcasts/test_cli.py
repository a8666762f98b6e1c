"""`kizuna broadcasts` through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from kizuna.broadcasts import api as broadcasts
from kizuna.cli.main import app
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.workspaces.contracts import Workspace

runner = CliRunner()
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _run(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--database-url", database_url, "broadcasts", *args])
    return result.exit_code, result.output


def test_create_schedule_send_results(runtime: Runtime, workspace: Workspace,
                                      database_url: str, tmp_path: Path) -> None:
    with runtime.sessions.begin() as s:
        profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id=f"u{i}", email=f"u{i}@example.com",
                           traits={"plan": "pro"}) for i in range(25)], NOW)
        segments.create_segment(s, workspace.id, key="pro", name="Pro",
                                condition={"trait": "plan", "op": "eq", "value": "pro"},
                                now=NOW)
    doc = tmp_path / "t.json"
    doc.write_text(json.dumps({"en": {"subject": "Hi", "text": "Hello"}}), encoding="utf-8")
    code, out = _run(database_url, "create", "sale", "Sale", "--segment", "pro",
                     "--template", f"@{doc}", "--arm", "a", "--arm", f"b:2:@{doc}",
                     "--holdout", "20", "--at", "2030-01-01T09:00")
    assert code == 0, out
    assert "created sale: scheduled" in out
    with runtime.sessions() as s:
        b = broadcasts.get_broadcast(s, workspace.id, "sale")
    assert b.scheduled_at == datetime(2030, 1, 1, 9, tzinfo=ZoneInfo(workspace.timezone))
    assert [(a.name, a.weight, a.template is not None) for a in b.arms] == [
        ("a", 1.0, False), ("b", 2.0, True)]
    code, out = _run(database_url, "create", "bad", "Bad", "--segment", "pro",
                     "--template", f"@{doc}", "--channel", "fax")
    assert code != 0 and "channel" in out
    code, out = _run(database_url, "schedule", "sale", "2030-01-02T00:00+00:00")
    assert code == 0 and "2030-01-02T00:00:00+00:00" in out, out
    code, out = _run(database_url, "send", "sale")
    assert code == 0 and "sent, 25 recipients" in out, out
    code, out = _run(database_url, "list")
    assert code == 0 and "sale" in out
    code, out = _run(database_url, "results", "sale")
    assert code == 0, out
    data = json.loads(out)
    assert sum(data["arm_sizes"].values()) == 25 and data["delivery"]["queued"] == \
        data["arm_sizes"].get("a", 0) + data["arm_sizes"].get("b", 0)
    code, out = _run(database_url, "cancel", "sale")
    assert code != 0 and "broadcast-state-conflict" in out
