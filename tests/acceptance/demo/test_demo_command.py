"""`kizuna demo` through the real CLI, then the real server with the printed write key."""

from __future__ import annotations

import re

import httpx
import pytest
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.db.engine import transaction
from kizuna.ingest.tables import EventRow
from kizuna.runtime import Runtime

runner = CliRunner()


def _demo(database_url: str, *extra: str) -> str:
    result = runner.invoke(
        app,
        ["--database-url", database_url, "demo", "--no-serve", "--customers", "30", *extra],
    )
    assert result.exit_code == 0, result.output
    return result.output


def _write_key(output: str) -> str:
    match = re.search(r"Write key\s+(wk_\S+)", output)
    assert match, output
    return match.group(1)


def _api_key(output: str) -> str:
    match = re.search(r"Admin API\s+(kz_\S+)", output)
    assert match, output
    return match.group(1)


def test_demo_prints_dashboard_login_and_a_working_write_key(
    database_url: str, live_server: str, runtime: Runtime
) -> None:
    output = _demo(database_url)
    assert "http://127.0.0.1:8000/app" in output
    assert "admin@example.com" in output and "kizuna-demo-admin" in output
    assert re.search(r"Admin API\s+kz_\S+", output)
    assert "curl -u" in output and "/v1/track" in output
    write_key = _write_key(output)

    # A second run loads nothing and prints the same, still working, write key, and a new
    # admin API key that replaces the first (keys are stored hashed: none can be re-shown).
    second = _demo(database_url)
    assert "already has data" in second
    assert _write_key(second) == write_key
    first_key, second_key = (_api_key(o) for o in (output, second))
    assert first_key != second_key
    for key, expected in ((first_key, 401), (second_key, 200)):
        listed = httpx.get(
            f"{live_server}/v1/customers", headers={"Authorization": f"Bearer {key}"}
        )
        assert listed.status_code == expected

    response = httpx.post(
        f"{live_server}/v1/track",
        auth=(write_key, ""),
        json={
            "userId": "cdnow-demo-check",
            "event": "Hello kizuna",
            "messageId": "demo-acceptance-1",
        },
    )
    assert response.status_code == 200, response.text
    with transaction(runtime.sessions) as session:
        stored = session.query(EventRow).filter_by(message_id="demo-acceptance-1").one()
        assert stored.event == "Hello kizuna"


def test_reset_is_refused_on_postgresql_and_reloads_sqlite(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        result = runner.invoke(
            app, ["--database-url", database_url, "demo", "--no-serve", "--reset"]
        )
        assert result.exit_code == 1
        assert "demo-reset-refused" in result.output
        return
    _demo(database_url)
    output = _demo(database_url, "--reset")
    assert "Deleted" in output and "Loaded 30 CDNOW customers" in output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_port_and_host_appear_in_the_printed_url(database_url: str) -> None:
    output = _demo(database_url, "--port", "8123", "--host", "0.0.0.0")
    assert "http://0.0.0.0:8123/app" in output
