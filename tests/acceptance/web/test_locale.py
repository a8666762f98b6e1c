"""ja/en: the switch, the stored preference, Accept-Language, and catalogue parity."""

from __future__ import annotations

import string

from fastapi.testclient import TestClient

from kizuna.auth import api as auth
from kizuna.runtime import Runtime
from kizuna.types import UserId
from kizuna.web import i18n
from tests.acceptance.web.conftest import csrf_of, login


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    assert set(i18n.ja) == set(i18n.en)
    for key in i18n.en:
        assert _placeholders(i18n.ja[key]) == _placeholders(i18n.en[key]), key
        assert i18n.ja[key].strip() and i18n.en[key].strip(), key


def test_every_key_used_in_templates_and_code_exists() -> None:
    import re
    from pathlib import Path

    import kizuna.web

    root = Path(kizuna.web.__file__).parent
    used: set[str] = set()
    for path in [*root.rglob("*.html"), *root.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
        used |= set(re.findall(r"""["']((?:login|error|nav)\.[a-z_]+)["']""", text))
    used = {k for k in used if not k.endswith((".html", ".py"))}
    # `t("surveys.status." ~ value)` builds the key: its prefix must name some keys.
    prefixes = {k for k in used if k.endswith(".")}
    assert [p for p in prefixes if not any(k.startswith(p) for k in i18n.en)] == []
    missing = sorted(k for k in used - prefixes if k not in i18n.en)
    assert missing == []
    assert len(used) > 60


def test_accept_language() -> None:
    assert i18n.from_accept_language("ja-JP,ja;q=0.9,en;q=0.8") == "ja"
    assert i18n.from_accept_language("fr-FR, en;q=0.5, ja;q=0.7") == "ja"
    assert i18n.from_accept_language("de") is None
    assert i18n.from_accept_language("en;q=0, ja;q=0.1") == "ja"
    assert i18n.from_accept_language("ja;q=bogus, en") == "en"


def test_login_page_honours_accept_language(client: TestClient) -> None:
    ja = client.get("/app/login", headers={"Accept-Language": "ja-JP,ja;q=0.9"})
    assert '<html lang="ja">' in ja.text and "ログイン" in ja.text
    en = client.get("/app/login", headers={"Accept-Language": "en-US"})
    assert '<html lang="en">' in en.text and "Log in" in en.text
    default = client.get("/app/login", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in default.text  # the tests' default_locale


def test_switching_language_is_stored_on_the_user(
    viewer_client: TestClient, users: dict[str, str], runtime: Runtime
) -> None:
    page = viewer_client.get("/app/customers")
    response = viewer_client.post(
        "/app/locale",
        data={"locale": "ja", "next": "/app/customers", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/app/customers"
    ja = viewer_client.get("/app/customers").text
    assert "顧客一覧" in ja and "ログアウト" in ja and "閲覧者" in ja
    assert "日時は Asia/Tokyo で表示しています。" in ja
    with runtime.sessions() as s:
        from sqlalchemy import select

        from kizuna.auth.tables import UserRow

        user_id = s.scalar(select(UserRow.id).where(UserRow.email == users["viewer"]))
        user = auth.get_user(s, UserId(int(user_id or 0)))
        assert user is not None and user.locale == "ja"
    # a new browser (fresh session) gets the stored choice after logging in
    viewer_client.cookies.clear()
    login(viewer_client, users["viewer"])
    assert "顧客一覧" in viewer_client.get("/app/customers").text


def test_switching_before_login_works_and_bad_locale_is_400(client: TestClient) -> None:
    token = csrf_of(client.get("/app/login").text)
    ok = client.post(
        "/app/locale", data={"locale": "ja", "csrf_token": token}, follow_redirects=False
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/app/login"
    assert "メールアドレス" in client.get("/app/login").text
    bad = client.post("/app/locale", data={"locale": "xx", "csrf_token": token})
    assert bad.status_code == 400 and "text/html" in bad.headers["content-type"]
