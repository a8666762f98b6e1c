"""`kizuna recommend train | show | bought-together` through the real Typer app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.integration.recommend.rec_shop import write_rec_shop

runner = CliRunner()


def test_train_show_and_bought_together(
    database_url: str, runtime: Runtime, workspace: Workspace
) -> None:
    shop = write_rec_shop(runtime, workspace, now=datetime.now(UTC) - timedelta(minutes=1))
    trained = runner.invoke(app, ["--database-url", database_url, "recommend", "train"])
    assert trained.exit_code == 0, trained.output
    assert "ready" in trained.output and "Held-out evaluation" in trained.output

    as_json = runner.invoke(app, ["--database-url", database_url, "recommend", "train",
                                  "--json"])
    assert as_json.exit_code == 0, as_json.output
    run = json.loads(as_json.stdout)
    assert run["status"] == "ready" and run["customers"] == len(shop.customers)

    for ref in ("u002", "u002@example.com", str(shop.customers["u002"])):
        shown = runner.invoke(app, ["--database-url", database_url, "recommend", "show", ref,
                                    "--limit", "3", "--json"])
        assert shown.exit_code == 0, shown.output
        body = json.loads(shown.stdout)
        assert body["customer_id"] == shop.customers["u002"]
        assert body["source"] == "personal" and len(body["items"]) == 3

    table = runner.invoke(app, ["--database-url", database_url, "recommend", "show", "u002"])
    assert table.exit_code == 0 and "personal" in table.output

    together = runner.invoke(app, ["--database-url", database_url, "recommend",
                                   "bought-together", "garden-0"])
    assert together.exit_code == 0, together.output
    assert "garden-1" in together.output

    unknown = runner.invoke(app, ["--database-url", database_url, "recommend", "show",
                                  "nobody"])
    assert unknown.exit_code == 1
    assert "No customer is known as 'nobody'" in unknown.output
