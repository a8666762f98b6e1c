"""customer_context and preview against real profiles, recommendations and loyalty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kizuna.loyalty import api as loyalty
from kizuna.messaging import api as messaging
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.errors import HeaderUnsafe, TemplateRenderFailed
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert, IdentityRef
from kizuna.profiles.errors import CustomerNotFound
from kizuna.recommend import api as recommend
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace
from tests.integration.loyalty.shop import programme
from tests.integration.recommend.rec_shop import write_rec_shop

NOW = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # 00:30 on Dec 3 in Tokyo
HOSTILE = '<img src=x onerror="alert(1)">&'

WELCOME = MessageTemplate(
    name="welcome", default_locale="ja", from_address="茶屋 <shop@example.com>",
    variants={
        "ja": TemplateVariant(
            subject="{{ customer.first_name }}様、ようこそ",
            html="<p>{{ customer.first_name }}様</p><p>{{ customer.traits.bio | default('') }}</p>"
                 "<p>{{ now | date('datetime') }}</p>",
            text="{{ customer.first_name }}様 {{ loyalty.balance }}pt"),
        "en": TemplateVariant(
            subject="Welcome, {{ customer.first_name }}",
            html="<p>Hi {{ customer.first_name }}</p><p>{{ customer.traits.bio | default('') }}</p>"
                 "<p>{{ now | date('datetime') }}</p>",
            text="Hi {{ customer.first_name }} {{ loyalty.balance }} points"),
    })


def _customer(runtime: Runtime, workspace: Workspace, **fields: object) -> CustomerId:
    with runtime.sessions() as s, s.begin():
        (cid,) = profiles.upsert_customers(s, workspace.id, [CustomerUpsert(
            external_id="u-hana", email="hana@example.com", first_name="Hana",
            last_name="Sato", **fields)], NOW - timedelta(days=30))  # type: ignore[arg-type]
    return cid


def test_customer_context_has_profile_event_and_empty_extras(
    runtime: Runtime, workspace: Workspace
) -> None:
    cid = _customer(runtime, workspace, locale="ja-JP", timezone="Asia/Tokyo",
                    traits={"bio": HOSTILE, "plan": "gold"})
    with runtime.sessions() as s:
        ctx = messaging.customer_context(
            s, workspace.id, cid, now=NOW,
            event={"event": "Order Completed", "properties": {"total": 4200}})
    assert ctx["customer"]["id"] == cid and ctx["customer"]["external_id"] == "u-hana"
    assert ctx["customer"]["email"] == "hana@example.com"
    assert ctx["customer"]["first_name"] == "Hana" and ctx["customer"]["last_name"] == "Sato"
    assert ctx["customer"]["locale"] == "ja-JP" and ctx["customer"]["timezone"] == "Asia/Tokyo"
    assert ctx["customer"]["traits"]["plan"] == "gold"
    assert ctx["event"] == {"name": "Order Completed", "properties": {"total": 4200}}
    assert ctx["recommendations"] == []  # untrained workspace
    assert ctx["loyalty"]["member"] is False and ctx["loyalty"]["balance"] == 0
    assert ctx["workspace"]["currency"] == workspace.currency


def test_preview_uses_the_customers_language_zone_and_escapes_traits(
    runtime: Runtime, workspace: Workspace
) -> None:
    cid = _customer(runtime, workspace, locale="ja-JP", timezone="Asia/Tokyo",
                    traits={"bio": HOSTILE})
    with runtime.sessions() as s:
        ja = messaging.preview(s, workspace.id, WELCOME, cid, now=NOW)
        en = messaging.preview(s, workspace.id, WELCOME, cid, now=NOW, locale="en")
    assert ja.locale == "ja" and ja.subject == "Hana様、ようこそ"
    assert "2026年12月3日 0:30" in ja.html
    assert "<img" not in ja.html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;" in ja.html
    assert ja.text == "Hana様 0pt" and ja.from_address == "茶屋 <shop@example.com>"
    assert en.locale == "en" and "December 3, 2026, 12:30 AM" in en.html


def test_preview_falls_back_to_the_workspace_zone_and_template_language(
    runtime: Runtime, workspace: Workspace
) -> None:
    cid = _customer(runtime, workspace, timezone="Not/AZone")
    with runtime.sessions() as s:
        message = messaging.preview(s, workspace.id, WELCOME, cid, now=NOW)
    assert message.locale == "ja"  # no customer locale: the template default
    assert f"{NOW.astimezone(ZoneInfo(workspace.timezone)).day}日" in message.html


def test_hostile_trait_in_subject_is_refused(runtime: Runtime, workspace: Workspace) -> None:
    cid = _customer(runtime, workspace)
    with runtime.sessions() as s, s.begin():
        profiles.apply_traits(s, workspace.id, cid,
                              {"first_name": "Hana\r\nBcc: all@example.com"}, NOW)
    with runtime.sessions() as s, pytest.raises(HeaderUnsafe) as info:
        messaging.preview(s, workspace.id, WELCOME, cid, now=NOW, locale="en")
    assert info.value.part == "subject" and info.value.template == "welcome"


def test_merged_away_customer_previews_as_the_survivor(
    runtime: Runtime, workspace: Workspace
) -> None:
    survivor = _customer(runtime, workspace, locale="en")
    with runtime.sessions() as s, s.begin():
        (anon,) = profiles.resolve_customers(s, workspace.id,
                                             [IdentityRef(anonymous_id="anon-1")], NOW)
        assert anon != survivor
        profiles.alias(s, workspace.id, previous_id="anon-1", user_id="u-hana", at=NOW)
    with runtime.sessions() as s:
        message = messaging.preview(s, workspace.id, WELCOME, anon, now=NOW)
    assert message.subject == "Welcome, Hana"


def test_unknown_customer_and_missing_variable(runtime: Runtime, workspace: Workspace) -> None:
    cid = _customer(runtime, workspace)
    broken = MessageTemplate(name="broken", variants={"en": TemplateVariant(
        subject="Hi", text="line one\n{{ customer.traits.nickname }}")}, default_locale="en")
    with runtime.sessions() as s:
        with pytest.raises(CustomerNotFound):
            messaging.preview(s, workspace.id, WELCOME, 999_999, now=NOW)
        with pytest.raises(TemplateRenderFailed) as info:
            messaging.preview(s, workspace.id, broken, cid, now=NOW)
    assert info.value.line == 2 and "nickname" in str(info.value)


def test_real_recommendations_and_loyalty_values(runtime: Runtime, workspace: Workspace) -> None:
    shop = write_rec_shop(runtime, workspace, now=NOW, customers=40)
    run = recommend.train(runtime.sessions, workspace.id, now=NOW)
    assert run.status == "ready"
    user = "u001"
    cid = shop.customers[user]
    with runtime.sessions() as s, s.begin():
        programme(s, workspace.id)
        loyalty.enrol(s, workspace.id, cid, channel="api", now=NOW)
        loyalty.award_bonus(s, workspace.id, cid, rule="referral", source_key="msg:t:1",
                            now=NOW)
    template = MessageTemplate(name="picks", default_locale="en", variants={
        "en": TemplateVariant(
            subject="{{ recommendations | length }} picks for you",
            html="<ul>{% for p in recommendations %}<li><a href=\"{{ p.url }}\">{{ p.name }}"
                 "</a> {{ p.price | money(p.currency) }}</li>{% endfor %}</ul>",
            text="{% if loyalty.member %}{{ loyalty.balance }} points, {{ loyalty.tier }}"
                 "{% endif %}")})
    with runtime.sessions() as s:
        ctx = messaging.customer_context(s, workspace.id, cid, now=NOW)
        message = messaging.preview(s, workspace.id, template, cid, now=NOW, locale="en")
    picks = ctx["recommendations"]
    assert 1 <= len(picks) <= 4
    assert message.subject == f"{len(picks)} picks for you"
    for pick in picks:
        assert f'<a href="{pick["url"]}">{pick["name"]}</a> ¥1,200' in message.html
    with runtime.sessions() as s:
        summary = loyalty.member_summary(s, workspace.id, cid, now=NOW)
    assert summary is not None and summary.balance > 0
    assert ctx["loyalty"]["member"] is True and ctx["loyalty"]["balance"] == summary.balance
    assert message.text == f"{summary.balance} points, {summary.tier}"
