"""`kizuna loyalty …` and the demo's loyalty step, through the real CLI."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.db.engine import transaction
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.tables import LoyaltyEntryRow, LoyaltyRedemptionRow
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.workspaces import api as workspaces

runner = CliRunner()


def _cli(database_url: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--database-url", database_url, *args])
    assert result.exit_code == code, result.output
    return result.output


def test_configure_enrol_member_run_and_report(database_url: str, runtime: Runtime) -> None:
    with transaction(runtime.sessions) as s:
        ws = workspaces.ensure_default_workspace(s, runtime.clock)
        profiles.resolve_customers(s, ws.id, [IdentityRef(user_id="u-cli")], runtime.clock.now())
    assert "loyalty-not-configured" in _cli(database_url, "loyalty", "enrol", "u-cli", code=1)
    assert "--defaults" in _cli(database_url, "loyalty", "configure", code=1)
    configured = _cli(database_url, "loyalty", "configure", "--defaults", "--currency", "usd")
    assert "USD" in configured and "gold" in configured
    assert "is a member since" in _cli(database_url, "loyalty", "enrol", "u-cli")
    unknown = _cli(database_url, "loyalty", "enrol", "nobody", code=1)
    assert "nobody" in unknown
    shown = _cli(database_url, "loyalty", "member", "u-cli", "--link")
    assert "0 pt" in shown and re.search(r"/p/loyalty\?m=\S+", shown)
    assert "orders earned 0" in _cli(database_url, "loyalty", "run")
    report = _cli(database_url, "loyalty", "report")
    assert "n < 30" in report and "active members 1" in report
    assert '"comparisons"' in _cli(database_url, "loyalty", "report", "--json")


def test_demo_loads_a_programme_and_prints_a_working_member_page_link(
    database_url: str, client: TestClient, runtime: Runtime
) -> None:
    output = _cli(database_url, "demo", "--no-serve", "--customers", "80")
    assert re.search(r"Loyalty: \d+ members", output)
    token = re.search(r"/p/loyalty\?m=(\S+)", output).group(1)  # type: ignore[union-attr]
    page = client.get(f"/p/loyalty?m={token}&lang=ja")
    assert page.status_code == 200 and "ポイント残高" in page.text

    def counts() -> tuple[int, int, int]:
        with transaction(runtime.sessions) as s:
            ws = workspaces.ensure_default_workspace(s, runtime.clock)
            members = loyalty.list_members(s, ws.id, page_size=1).total
            entries = s.scalar(select(func.count()).select_from(LoyaltyEntryRow)) or 0
            made = s.scalar(select(func.count()).select_from(LoyaltyRedemptionRow)) or 0
        return members, int(entries), int(made)

    before = counts()
    assert before[0] > 0 and before[1] > before[0]
    # The loyalty step is idempotent: loading the same data again adds nothing.
    from kizuna.demo import load
    from kizuna.demo import loyalty as demo_loyalty
    from kizuna.demo.generate import generate_demo

    with transaction(runtime.sessions) as s:
        access = load.ensure_demo_access(s, runtime.clock, secret="x" * 40, seed=7)
        data = generate_demo(customers=80, seed=7, anchor=runtime.clock.now().date())
        ids = {p.user_id: profiles.find_customer_id(s, access.workspace_id,
                                                    IdentityRef(user_id=p.user_id))
               for p in data.people}
    demo_loyalty.load_loyalty(runtime.sessions, workspace_id=access.workspace_id, data=data,
                              customer_ids={k: v for k, v in ids.items() if v is not None},
                              clock=runtime.clock)
    assert counts() == before
    assert "already has data" in _cli(database_url, "demo", "--no-serve", "--customers", "80")
