"""Rendering: escaping per part, locale fallback, header safety, filters, documents."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kizuna.messaging import api as messaging
from kizuna.messaging.contracts import MessageTemplate, TemplateVariant
from kizuna.messaging.errors import HeaderUnsafe, TemplateInvalid, TemplateRenderFailed

from .helpers import one, render, render_html

HOSTILE = "<script>alert('x')</script> & \"quotes\""


def bilingual(default: str = "ja", *, with_en: bool = True) -> MessageTemplate:
    variants = {"ja": TemplateVariant(subject="こんにちは {{ name }} 様", text="ja {{ name }}")}
    if with_en:
        variants["en"] = TemplateVariant(subject="Hello {{ name }}", text="en {{ name }}")
    return MessageTemplate(name="welcome", variants=variants, default_locale=default)


def test_html_is_escaped_text_and_subject_are_not() -> None:
    template = one("<p>{{ name }}</p>", subject="Hi {{ name }}", text="Hi {{ name }}")
    message = render(template, {"name": HOSTILE})
    assert message.html == ("<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                            "&#34;quotes&#34;</p>")
    assert message.text == f"Hi {HOSTILE}"
    assert message.subject == f"Hi {HOSTILE}"


def test_escaped_in_attributes_and_through_filters() -> None:
    out = render_html('<a title="{{ name | upper }}">{{ [name, name] | join(" ") }}</a>',
                      {"name": '"><img src=x onerror=alert(1)>'})
    assert "<img" not in out and 'title="&#34;&gt;&lt;IMG' in out


@pytest.mark.parametrize(("requested", "expected", "warned"), [
    ("ja", "ja", False), ("en", "en", False), ("ja-JP", "ja", False), ("en_US", "en", False),
    ("EN", "en", False), ("fr", "ja", True), (None, "ja", False), ("", "ja", False),
])
def test_locale_choice(requested: str | None, expected: str, warned: bool) -> None:
    message = render(bilingual(), {"name": "A"}, locale=requested)
    assert message.locale == expected
    assert message.text == f"{expected} A"
    assert bool(message.warnings) is warned


def test_fallback_to_default_then_en_then_ja() -> None:
    only_ja = bilingual(with_en=False)
    message = render(only_ja, {"name": "A"}, locale="en")
    assert message.locale == "ja" and message.warnings == ("no en variant; rendered the ja one",)
    en_default = bilingual("en")
    assert render(en_default, {"name": "A"}, locale="fr").locale == "en"
    broken_default = MessageTemplate(name="x", default_locale="fr", variants={
        "ja": TemplateVariant(subject="s", text="ja"), "en": TemplateVariant(subject="s",
                                                                             text="en")})
    assert render(broken_default, {}, locale=None).locale == "en"


@pytest.mark.parametrize("value", [
    "Hello\r\nBcc: victim@example.com", "Hello\nX", "Hello\rX", "tab\there", "nul\x00",
    "line\u2028sep", "para\u2029sep", "next\x85line", "esc\x1b[0m",
])
@pytest.mark.parametrize("part", ["subject", "from_address", "reply_to"])
def test_header_injection_is_rejected(value: str, part: str) -> None:
    sources = {"subject": "Hi", "from_address": "", "reply_to": ""}
    sources[part] = "{{ v }}" if part == "subject" else "Shop <shop@example.com>{{ v }}"
    template = one("<p>body</p>", **sources)
    with pytest.raises(HeaderUnsafe) as info:
        render(template, {"v": value})
    assert info.value.part == {"subject": "subject", "from_address": "from",
                               "reply_to": "reply_to"}[part]
    assert "U+" in str(info.value)


def test_header_from_must_be_an_address() -> None:
    with pytest.raises(HeaderUnsafe, match="not one email address"):
        render(one("<p>x</p>", from_address="{{ v }}"), {"v": "a@x.com, b@y.com"})
    message = render(one("<p>x</p>", from_address="{{ shop }} <shop@example.com>",
                         reply_to="care@example.com"), {"shop": "茶屋"})
    assert message.from_address == "茶屋 <shop@example.com>"
    assert message.reply_to == "care@example.com"


def test_header_characters_that_are_fine() -> None:
    message = render(one("<p>x</p>", subject="{{ v }}"), {"v": "セール 50% off — 今だけ! <3 & co"})
    assert message.subject == "セール 50% off — 今だけ! <3 & co"


def test_subject_too_long() -> None:
    with pytest.raises(HeaderUnsafe, match="limit"):
        render(one("<p>x</p>", subject="{{ 'x' * 501 }}"), {})


@pytest.mark.parametrize(("locale", "style", "expected"), [
    ("ja", "date", "2026年12月3日"), ("ja", "datetime", "2026年12月3日 0:30"),
    ("ja", "short", "2026/12/03"), ("ja", "time", "0:30"),
    ("en", "date", "December 3, 2026"), ("en", "datetime", "December 3, 2026, 12:30 AM"),
    ("en", "short", "2026-12-03"),
])
def test_date_filter_uses_customer_zone_and_language(locale: str, style: str,
                                                     expected: str) -> None:
    template = MessageTemplate(name="d", variants={locale: TemplateVariant(
        subject="s", text="{{ at | date('" + style + "') }}")}, default_locale=locale)
    at = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # 00:30 next day in Tokyo
    assert render(template, {"at": at}, locale=locale,
                  timezone="Asia/Tokyo").text == expected
    assert render(template, {"at": at.isoformat()}, locale=locale,
                  timezone="Asia/Tokyo").text == expected


def test_date_filter_plain_dates_and_zone_argument() -> None:
    assert render_html("{{ d | date }}", {"d": date(2026, 1, 5)}) == "January 5, 2026"
    assert render_html("{{ t | date('datetime', 'America/New_York') }}",
                       {"t": "2026-07-01T12:00:00+00:00"}) == "July 1, 2026, 8:00 AM"
    with pytest.raises(TemplateRenderFailed, match="ISO 8601"):
        render_html("{{ 'soon' | date }}")
    with pytest.raises(TemplateRenderFailed, match="date style"):
        render_html("{{ d | date('fancy') }}", {"d": date(2026, 1, 5)})


@pytest.mark.parametrize(("locale", "currency", "value", "expected"), [
    ("ja", "JPY", 1200, "1,200円"), ("en", "JPY", 1200, "¥1,200"),
    ("en", "JPY", Decimal("1200.5"), "¥1,201"), ("en", "USD", "12.345", "$12.35"),
    ("ja", "USD", 12, "$12.00"), ("en", "EUR", -3.5, "-€3.50"),
    ("en", "CHF", 1234567, "1,234,567.00 CHF"),
])
def test_money_filter(locale: str, currency: str, value: object, expected: str) -> None:
    template = MessageTemplate(name="m", variants={locale: TemplateVariant(
        subject="s", text="{{ v | money }}")}, default_locale=locale)
    assert render(template, {"v": value}, locale=locale, currency=currency).text == expected


def test_money_filter_explicit_currency_and_bad_input() -> None:
    assert render_html("{{ 5 | money('usd') }}", currency="JPY") == "$5.00"
    with pytest.raises(TemplateRenderFailed, match="needs a number"):
        render_html("{{ 'lots' | money }}")


def test_validate_template() -> None:
    with pytest.raises(TemplateInvalid, match="no variant"):
        messaging.validate_template(MessageTemplate(name="x", variants={}))
    with pytest.raises(TemplateInvalid, match="unknown locale 'jp'"):
        messaging.validate_template(MessageTemplate(
            name="x", variants={"jp": TemplateVariant(subject="s", text="t")}))
    with pytest.raises(TemplateInvalid, match="html part, a text part"):
        messaging.validate_template(MessageTemplate(
            name="x", variants={"en": TemplateVariant(subject="s")}))
    with pytest.raises(TemplateInvalid) as info:
        messaging.validate_template(MessageTemplate(
            name="x", variants={"en": TemplateVariant(subject="s", html="ok\n{{ a | nope }}")}))
    assert info.value.line == 2 and "nope" in str(info.value)


def test_template_from_document() -> None:
    template = messaging.template_from_document({
        "name": "welcome", "default_locale": "en", "from": "Shop <s@example.com>",
        "ja": {"subject": "ようこそ", "text": "本文"},
        "en": {"subject": "Welcome", "html": "<p>Hi</p>", "text": "Hi"},
    })
    assert template.default_locale == "en" and set(template.variants) == {"ja", "en"}
    assert template.from_address == "Shop <s@example.com>"
    for bad, words in [({"fr": {}}, "unknown keys"), ({"en": "x"}, "must be an object"),
                       ({"en": {"subject": 1, "text": "x"}}, "must be strings"),
                       ({"en": {"subject": "s", "body": "x"}}, "must be an object")]:
        with pytest.raises(TemplateInvalid, match=words):
            messaging.template_from_document(bad, name="doc")


def test_large_numbers_are_fine_as_values_and_macro_arguments() -> None:
    out = render_html("{% macro price(n) %}{{ n | money }}{% endmacro %}{{ price(1500000) }} "
                      "{{ (10**12) | filesizeformat }}", currency="JPY")
    assert out == "¥1,500,000 1.0 TB"
