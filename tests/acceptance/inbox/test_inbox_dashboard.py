"""The dashboard's in-app inbox page (admins only): secret, origins (CSRF), rotation; and the
`kizuna inbox` CLI printing the same secret."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kizuna.auth.contracts import Role
from kizuna.cli.main import app as cli_app
from kizuna.db.engine import transaction
from kizuna.messaging import inbox
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of, login
from tests.acceptance.web.data import create_user
from tests.conftest import TEST_SECRET


@pytest.mark.parametrize(("lang", "heading"), [("ja", "アプリ内お知らせ"),
                                               ("en", "In-app inbox")])
def test_inbox_page(client: TestClient, runtime: Runtime, workspace: Workspace, lang: str,
                    heading: str) -> None:
    create_user(runtime, workspace, "admin@example.com", Role.ADMIN)
    create_user(runtime, workspace, "viewer@example.com", Role.VIEWER)
    client.headers["Accept-Language"] = lang
    assert login(client, "viewer@example.com").status_code == 303  # type: ignore[attr-defined]
    assert client.get("/app/inbox").status_code == 403
    client.post("/app/logout", data={"csrf_token": csrf_of(client.get("/app/overview").text)})
    client.cookies.clear()
    assert login(client, "admin@example.com").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/app/inbox")
    assert page.status_code == 200 and heading in page.text
    secret = inbox.inbox_secret(TEST_SECRET, workspace.id, 1)
    assert f'<code id="secret-value">{secret}</code>' in page.text
    assert "/p/static/inbox.js" in page.text and 'href="/app/inbox"' in page.text

    refused = client.post("/app/inbox/origins", data={"csrf_token": "wrong",
                                                      "origins": "https://a.example"},
                          follow_redirects=False)
    assert refused.status_code in (400, 403)
    bad = client.post("/app/inbox/origins", data={"csrf_token": csrf_of(page.text),
                                                  "origins": "https://ok.example\nftp://x"})
    assert bad.status_code == 400 and 'id="error"' in bad.text and "ftp://x" in bad.text
    saved = client.post("/app/inbox/origins", follow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "origins": "https://Shop.example/\n\nhttp://localhost:3000"})
    assert saved.status_code == 303
    with transaction(runtime.sessions) as s:
        assert inbox.get_settings(s, workspace.id).allowed_origins == (
            "https://shop.example", "http://localhost:3000")
    rotated = client.post("/app/inbox/rotate", data={"csrf_token": csrf_of(page.text)})
    assert rotated.status_code == 200 and 'id="done"' in rotated.text
    assert inbox.inbox_secret(TEST_SECRET, workspace.id, 2) in rotated.text


def test_cli_secret_and_origins(database_url: str, runtime: Runtime, workspace: Workspace,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIZUNA_SECRET_KEY", TEST_SECRET)
    base = ["--database-url", database_url, "inbox"]
    shown = CliRunner().invoke(cli_app, [*base, "secret"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.strip() == inbox.inbox_secret(TEST_SECRET, workspace.id, 1)
    rotated = CliRunner().invoke(cli_app, [*base, "secret", "--rotate"])
    assert rotated.output.strip() == inbox.inbox_secret(TEST_SECRET, workspace.id, 2)
    added = CliRunner().invoke(cli_app, [*base, "origins", "--add", "https://shop.example",
                                         "--add", "https://b.example"])
    assert added.output.split() == ["https://shop.example", "https://b.example"]
    removed = CliRunner().invoke(cli_app, [*base, "origins", "--remove", "https://b.example/"])
    assert removed.output.split() == ["https://shop.example"]
    wrong = CliRunner().invoke(cli_app, [*base, "origins", "--add", "shop.example"])
    assert wrong.exit_code != 0 and "origin" in wrong.output
