"""The set-up commands scripts rely on, through the real Typer app, on both databases."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kizuna.auth import api as auth
from kizuna.auth.contracts import Scope
from kizuna.auth.errors import ApiKeyInvalid
from kizuna.auth.tables import ApiKeyRow
from kizuna.cli.main import app
from kizuna.ingest import api as ingest
from kizuna.runtime import Runtime

runner = CliRunner()


def _run(database_url: str, *args: str) -> str:
    result = runner.invoke(app, ["--database-url", database_url, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_source_create_json_prints_a_working_write_key(
    database_url: str, runtime: Runtime
) -> None:
    out = json.loads(_run(database_url, "source", "create", "web", "--json"))
    with runtime.sessions.begin() as s:
        source = ingest.authenticate_write_key(s, out["write_key"])
    assert source.name == "web"


def test_apikey_create_json_prints_a_key_stored_hashed(
    database_url: str, runtime: Runtime
) -> None:
    out = json.loads(_run(database_url, "apikey", "create", "--scope", "write", "--json"))
    with runtime.sessions.begin() as s:
        key = auth.authenticate_api_key(s, out["key"], runtime.clock)
        stored = s.execute(ApiKeyRow.__table__.select()).mappings().one()
    assert key.scope is Scope.WRITE
    assert out["key"] not in stored.values()


def test_user_create_then_login(database_url: str, runtime: Runtime) -> None:
    _run(database_url, "user", "create", "Ops@Example.com", "--role", "marketer",
         "--password", "correct horse battery")
    with runtime.sessions.begin() as s:
        user = auth.authenticate_user(s, email="ops@example.com",
                                      password="correct horse battery", clock=runtime.clock)
    assert user.role.value == "marketer"
    result = runner.invoke(app, ["--database-url", database_url, "user", "create",
                                 "ops@example.com", "--password", "another password"])
    assert result.exit_code == 1 and "already exists" in result.output


def test_db_upgrade_is_idempotent(database_url: str) -> None:
    assert "up to date" in _run(database_url, "db", "upgrade")
    assert "up to date" in _run(database_url, "db", "status")


def test_bad_database_url_is_a_clear_error() -> None:
    result = runner.invoke(app, ["--database-url", "mysql://x", "db", "status"])
    assert result.exit_code == 1 and "KIZUNA_DATABASE_URL" in result.output


def test_apikey_list_and_revoke(database_url: str, runtime: Runtime) -> None:
    out = json.loads(_run(database_url, "apikey", "create", "--scope", "read", "--json"))
    [listed] = json.loads(_run(database_url, "apikey", "list", "--json"))
    assert listed["id"] == out["id"] and out["key"].startswith(listed["prefix"])
    assert "revoked" in _run(database_url, "apikey", "revoke", str(out["id"]))
    assert json.loads(_run(database_url, "apikey", "list", "--json")) == []
    with runtime.sessions.begin() as s, pytest.raises(ApiKeyInvalid):
        auth.authenticate_api_key(s, out["key"], runtime.clock)
    missing = runner.invoke(app, ["--database-url", database_url, "apikey", "revoke", "999"])
    assert missing.exit_code == 1 and "apikey list" in missing.output
