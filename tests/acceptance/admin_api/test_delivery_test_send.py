"""Template test send (API and CLI) to a real SMTP sink: rendered for a real customer, sent
only to the typed address, subject marked, not counted as a send."""

from __future__ import annotations

import email
import email.header
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from typer.testing import CliRunner

from kizuna.cli.main import app as cli_app
from kizuna.db.engine import transaction
from kizuna.messaging.policy_tables import MessageSendRow
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.workspaces.contracts import Workspace
from tests.integration.messaging.channel_servers import Mailbox, smtp_server

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
TEMPLATE = {"name": "welcome", "default_locale": "ja",
            "ja": {"subject": "{{ customer.first_name }}さん、ようこそ",
                   "text": "こんにちは {{ customer.first_name }}さん"},
            "en": {"subject": "Welcome, {{ customer.first_name }}",
                   "text": "Hello {{ customer.first_name }}",
                   "html": "<p>Hello <a href='https://shop.example/'>shop</a></p>"}}


def _subject(raw: bytes) -> str:
    parsed = email.message_from_bytes(raw)
    return str(email.header.make_header(email.header.decode_header(parsed["Subject"])))


@pytest.fixture
def sink() -> Iterator[tuple[int, Mailbox]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def customer(runtime: Runtime, workspace: Workspace) -> int:
    with transaction(runtime.sessions) as s:
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id="hana-1", email="hana@example.com", first_name="Hana",
            locale="en")], NOW)
    return int(cid)


def _sends(runtime: Runtime) -> int:
    with transaction(runtime.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(MessageSendRow)) or 0)


def test_api_test_send(settings: Settings, runtime: Runtime, workspace: Workspace,
                       customer: int, sink: tuple[int, Mailbox],
                       admin_headers: dict[str, str], read_headers: dict[str, str]) -> None:
    from kizuna.http.app import create_app

    port, box = sink
    with_smtp = settings.model_copy(update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{port}")})
    with TestClient(create_app(with_smtp, runtime)) as client:
        body = {"template": TEMPLATE, "customer_id": customer, "to": "me@shop.example"}
        assert client.post("/v1/templates/test-send", json=body,
                           headers=read_headers).status_code == 403
        r = client.post("/v1/templates/test-send", json=body, headers=admin_headers)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["outcome"] == "delivered" and out["subject"] == "[TEST] Welcome, Hana"
        ja = client.post("/v1/templates/test-send", json={**body, "locale": "ja"},
                         headers=admin_headers).json()
        assert ja["subject"] == "[テスト] Hanaさん、ようこそ"
        bad = client.post("/v1/templates/test-send", json={**body, "to": "me@x.jp\nBcc: y@z"},
                          headers=admin_headers)
        assert bad.status_code == 400 and bad.json()["field"] == "to"
        broken = client.post("/v1/templates/test-send", headers=admin_headers, json={
            **body, "template": {"en": {"subject": "{{ customer.first_name | nope }}"}}})
        assert broken.status_code == 400
    assert [rcpts for _from, rcpts, _raw in box.received] == [["me@shop.example"]] * 2
    first = email.message_from_bytes(box.received[0][2])
    assert _subject(box.received[0][2]) == "[TEST] Welcome, Hana"
    assert first["List-Unsubscribe"] is None  # transactional: no unsubscribe, no tracking
    assert "/p/t/" not in box.received[0][2].decode("utf-8", "replace")
    assert _sends(runtime) == 0  # never counted by caps or rates


def test_api_test_send_without_smtp_says_what_to_set(client: TestClient, customer: int,
                                                     admin_headers: dict[str, str]) -> None:
    r = client.post("/v1/templates/test-send", headers=admin_headers, json={
        "template": TEMPLATE, "customer_id": customer, "to": "me@shop.example"})
    assert r.status_code == 400 and "KIZUNA_SMTP_URL" in r.json()["detail"]


def test_cli_test_send(database_url: str, runtime: Runtime, workspace: Workspace,
                       customer: int, sink: tuple[int, Mailbox], tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    port, box = sink
    path = tmp_path / "welcome.json"
    path.write_text(json.dumps(TEMPLATE), encoding="utf-8")
    monkeypatch.setenv("KIZUNA_SMTP_URL", f"smtp://127.0.0.1:{port}")
    result = CliRunner().invoke(cli_app, [
        "--database-url", database_url, "template", "test-send", str(path),
        "--customer", "hana-1", "--to", "qa@shop.example", "--locale", "ja"])
    assert result.exit_code == 0, result.output
    assert "qa@shop.example" in result.output
    ((_from, rcpts, raw),) = box.received
    assert rcpts == ["qa@shop.example"] and _subject(raw) == "[テスト] Hanaさん、ようこそ"
    box.rcpt_reply = "550 5.1.1 no such user"
    refused = CliRunner().invoke(cli_app, [
        "--database-url", database_url, "template", "test-send", str(path),
        "--customer", "hana-1", "--to", "qa@shop.example"])
    assert refused.exit_code == 1 and "550" in refused.output
