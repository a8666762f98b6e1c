"""`kizuna journeys …` against a real database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace


def test_create_from_template_go_live_and_inspect(database_url: str, runtime: Runtime,
                                                  workspace: Workspace,
                                                  tmp_path: Path) -> None:
    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["--database-url", database_url, "journeys", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "abandoned_cart" in run("templates")
    out = run("create", "--template", "abandoned_cart", "--key", "cart")
    assert "when Checkout Started happens" in out and "reminder" in out
    assert "live" in run("status", "cart", "live")
    doc = json.loads(run("show", "cart", "--json"))
    doc["holdout_pct"] = 25
    path = tmp_path / "cart.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert "version 2" in run("edit", "cart", f"@{path}")
    assert "cart" in run("list")
    assert '"by_state": {}' in run("runs", "cart")
    assert '"entries": 0' in run("results", "cart")
    assert json.loads(run("tick").strip().splitlines()[-1]) == {"enrolled": 0, "resumed": 0}

    bad = CliRunner().invoke(app, ["--database-url", database_url, "journeys", "create",
                                   "--key", "x", "--name", "X", "--definition", '{"steps": []}'])
    assert bad.exit_code != 0 and "trigger" in bad.output
