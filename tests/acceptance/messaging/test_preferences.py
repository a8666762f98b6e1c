"""The preference centre without login (SQLite and PostgreSQL): GET shows each channel's state
and the consent wording in ja / en; POST records one consent per changed toggle with the
wording shown; CSRF is required; altered tokens are 404; the gate follows the new choices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from kizuna.messaging import api as messaging
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.profiles.tables import ConsentRow
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.web.conftest import csrf_of

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
EMAIL_JA = "お知らせ・キャンペーン情報のメール配信に同意します。配信はいつでも停止できます。"
EMAIL_EN = "I agree to receive news, offers and campaign emails. I can stop them at any time."
LINE_EN = ("I agree to receive news, offers and campaign messages on LINE and other messaging "
           "apps. I can stop them at any time.")


def _setup(runtime: Runtime, workspace: Workspace, settings: Settings,
           locale: str = "ja") -> tuple[CustomerId, str]:
    with runtime.sessions() as s, s.begin():
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id="pref-1", email="aoi@example.com", locale=locale)],
            NOW - timedelta(days=3))
        profiles.record_consent(s, workspace.id, cid, channel="email", purpose="marketing",
                                status="granted", method="signup-form", wording="ok",
                                at=NOW - timedelta(days=3))
    token = messaging.preferences_token(settings.secret_key.get_secret_value(), workspace.id,
                                        cid)
    return cid, token


def _records(runtime: Runtime, cid: int) -> list[tuple[str, str, str, str | None]]:
    with runtime.sessions() as s:
        rows = s.scalars(select(ConsentRow).where(ConsentRow.customer_id == cid)
                         .order_by(ConsentRow.id)).all()
        return [(r.channel, r.status, r.method, r.wording) for r in rows]


def test_get_shows_state_and_wording_in_the_customers_language(
    client: TestClient, runtime: Runtime, workspace: Workspace, settings: Settings
) -> None:
    _, token = _setup(runtime, workspace, settings, locale="ja")
    page = client.get(f"/p/preferences/{token}")
    assert page.status_code == 200
    assert "配信設定" in page.text and EMAIL_JA in page.text
    assert 'name="c_email_marketing" value="on" checked' in page.text
    assert 'name="c_webhook_marketing" value="on">' in page.text
    english = client.get(f"/p/preferences/{token}?lang=en")
    assert EMAIL_EN in english.text and LINE_EN in english.text
    assert "Not chosen yet (off)" in english.text


def test_post_records_each_changed_toggle_with_the_wording_shown(
    client: TestClient, runtime: Runtime, workspace: Workspace, settings: Settings
) -> None:
    cid, token = _setup(runtime, workspace, settings, locale="en")
    page = client.get(f"/p/preferences/{token}")
    saved = client.post(f"/p/preferences/{token}", data={
        "csrf_token": csrf_of(page.text), "locale": "en", "c_webhook_marketing": "on"})
    assert saved.status_code == 200 and "2 choice(s) changed" in saved.text
    assert _records(runtime, cid)[1:] == [
        ("email", "withdrawn", "preference_centre", EMAIL_EN),
        ("webhook", "granted", "preference_centre", LINE_EN)]
    again = client.post(f"/p/preferences/{token}", data={
        "csrf_token": csrf_of(saved.text), "locale": "ja", "c_webhook_marketing": "on"})
    assert "変更はありません" in again.text and len(_records(runtime, cid)) == 3
    client.post(f"/p/preferences/{token}", data={
        "csrf_token": csrf_of(again.text), "locale": "ja", "c_email_marketing": "on",
        "c_webhook_marketing": "on"})
    assert _records(runtime, cid)[-1] == ("email", "granted", "preference_centre", EMAIL_JA)
    with runtime.sessions() as s:
        messaging.update_policy(s, workspace.id, now=NOW, quiet_start_minute=0,
                                quiet_end_minute=0)
        for channel in ("email", "webhook"):
            assert messaging.check_send(s, workspace.id, cid, channel=channel,
                                        purpose="marketing", transactional=False,
                                        now=NOW).allowed
        assert messaging.check_send(s, workspace.id, cid, channel="in_app",
                                    purpose="marketing", transactional=False,
                                    now=NOW).reason == "no_consent"


def test_csrf_is_required_and_bots_change_nothing(
    client: TestClient, runtime: Runtime, workspace: Workspace, settings: Settings
) -> None:
    cid, token = _setup(runtime, workspace, settings)
    page = client.get(f"/p/preferences/{token}")
    refused = client.post(f"/p/preferences/{token}", data={"c_webhook_marketing": "on"})
    assert refused.status_code == 403
    bot = client.post(f"/p/preferences/{token}", data={
        "csrf_token": csrf_of(page.text), "website": "http://spam", "c_webhook_marketing": "on"})
    assert bot.status_code == 200
    assert len(_records(runtime, cid)) == 1


def test_altered_tokens_are_404_and_unsubscribe_tokens_open_the_page(
    client: TestClient, runtime: Runtime, workspace: Workspace, settings: Settings
) -> None:
    cid, token = _setup(runtime, workspace, settings)
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/p/preferences/{altered}").status_code == 404
    page = client.get(f"/p/preferences/{token}")
    assert client.post(f"/p/preferences/{altered}", data={
        "csrf_token": csrf_of(page.text)}).status_code == 404
    unsubscribe = messaging.unsubscribe_token(
        settings.secret_key.get_secret_value(), messaging.UnsubscribeScope(
            workspace_id=workspace.id, customer_id=cid, channel="email", purpose="marketing"))
    assert client.get(f"/p/preferences/{unsubscribe}").status_code == 200
