"""Ready-made journeys (ja/en): abandoned cart, welcome series, post-purchase thank-you + NPS,
birthday coupon, win-back for at-risk customers, detractor follow-up.

:func:`definition_for` returns a definition to create a journey from; the NPS mail links to
the survey's hosted page (``<public base URL>/p/s/<survey key>``) and the win-back journey
enters on the ``at-risk`` segment (created by the facade if missing, see
:data:`AT_RISK_CONDITION`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kizuna.journeys.contracts import JourneyTemplate
from kizuna.journeys.errors import JourneyTemplateUnknown

AT_RISK_SEGMENT = "at-risk"
AT_RISK_CONDITION: dict[str, Any] = {"any": [
    {"metric": "rfm_segment", "op": "eq", "value": "At Risk"},
    {"metric": "p_alive", "op": "lt", "value": 0.3},
]}
AT_RISK_FALLBACK: dict[str, Any] = {"no_order_for_days": 90}


def _mail(name: str, ja: tuple[str, str], en: tuple[str, str]) -> dict[str, Any]:
    return {"name": name, "default_locale": "ja",
            "ja": {"subject": ja[0], "text": ja[1]}, "en": {"subject": en[0], "text": en[1]}}


def _send(sid: str, template: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": sid, "type": "send", "channel": "email", "purpose": "marketing",
            "transactional": False, "template": template, **extra}


def _abandoned_cart(_: Mapping[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"type": "event", "event": "Checkout Started"},
        "re_entry": "after_exit", "goal_event": "Order Completed",
        "conversion_window_days": 3, "holdout_pct": 10,
        "steps": [
            {"id": "wait-order", "type": "wait_for_event", "event": "Order Completed",
             "correlate": "cart_id", "timeout": "1h", "on_event": "end",
             "on_timeout": "reminder"},
            _send("reminder", _mail(
                "abandoned-cart",
                ("{{ customer.first_name }}様、お買い物かごに商品が残っています",
                 "{{ customer.first_name }}様\n\nお買い物かごの商品はまだご用意しております。"
                 "お手続きの続きはこちらからどうぞ。"),
                ("{{ customer.first_name }}, your cart is waiting",
                 "Hi {{ customer.first_name }},\n\nThe items in your cart are still waiting "
                 "for you. Pick up where you left off."))),
        ],
    }


def _welcome(_: Mapping[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"type": "event", "event": "Signed Up"},
        "re_entry": "once", "goal_event": "Order Completed", "conversion_window_days": 14,
        "holdout_pct": 10,
        "steps": [
            _send("welcome-1", _mail(
                "welcome-1",
                ("ようこそ、{{ customer.first_name }}様", "ご登録ありがとうございます。"),
                ("Welcome, {{ customer.first_name }}", "Thank you for signing up."))),
            {"id": "wait-3d", "type": "wait", "duration": "3d"},
            _send("welcome-2", _mail(
                "welcome-2", ("人気の商品をご紹介します", "よく選ばれている商品をまとめました。"),
                ("Our most loved products", "Here are the products our customers love most."))),
            {"id": "wait-4d", "type": "wait", "duration": "4d"},
            _send("welcome-3", _mail(
                "welcome-3",
                ("初回購入の特典をお届けします", "初めてのお買い物にお使いいただける特典です。"),
                ("A gift for your first order", "Here is a little something for your first "
                                                "order."))),
        ],
    }


def _post_purchase(params: Mapping[str, str]) -> dict[str, Any]:
    base = (params.get("public_base_url") or "").rstrip("/")
    link = f"{base}/p/s/{params.get('survey', 'nps')}"
    return {
        "trigger": {"type": "event", "event": "Order Completed"},
        "re_entry": "always", "conversion_window_days": 30, "holdout_pct": 10,
        "steps": [
            _send("thank-you", _mail(
                "thank-you", ("ご購入ありがとうございます", "{{ customer.first_name }}様、"
                              "このたびはご購入いただきありがとうございました。"),
                ("Thank you for your order", "Hi {{ customer.first_name }}, thank you for "
                                             "your order."))),
            {"id": "wait-7d", "type": "wait", "duration": "7d"},
            _send("nps", _mail(
                "nps-survey",
                ("ご感想をお聞かせください",
                 "当店を友人や知人にすすめる可能性はどのくらいありますか?\n" + link),
                ("How likely are you to recommend us?",
                 "How likely are you to recommend us to a friend or colleague?\n" + link))),
        ],
    }


def _birthday(_: Mapping[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"type": "date", "field": "birthday", "at": "09:00"},
        "re_entry": "always", "goal_event": "Order Completed", "conversion_window_days": 14,
        "holdout_pct": 10,
        "steps": [_send("coupon", _mail(
            "birthday-coupon",
            ("お誕生日おめでとうございます!", "{{ customer.first_name }}様、お誕生日おめでとう"
             "ございます。今月お使いいただけるクーポンをお贈りします。"),
            ("Happy birthday!", "Happy birthday, {{ customer.first_name }}! Here is a coupon "
                                "to enjoy this month.")))],
    }


def _win_back(params: Mapping[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"type": "segment_entered", "segment": params.get("segment", AT_RISK_SEGMENT)},
        "re_entry": "after_exit", "goal_event": "Order Completed",
        "conversion_window_days": 30, "holdout_pct": 10,
        "steps": [
            _send("miss-you", _mail(
                "win-back-1", ("お久しぶりです、{{ customer.first_name }}様",
                               "最近の新商品をご紹介します。またのご来店をお待ちしております。"),
                ("We miss you, {{ customer.first_name }}",
                 "Here is what is new since your last visit."))),
            {"id": "wait-7d", "type": "wait", "duration": "7d"},
            _send("offer", _mail(
                "win-back-2",
                ("特別なご優待をご用意しました", "次回のお買い物でお使いいただける特典です。"),
                ("A special offer for you", "Here is an offer for your next order."))),
        ],
    }


def _detractor(_: Mapping[str, str]) -> dict[str, Any]:
    return {
        "trigger": {"type": "event", "event": "Survey Responded",
                    "where": {"survey_type": "nps", "score": {"lte": 6}}},
        "re_entry": "always", "conversion_window_days": 30, "holdout_pct": 10,
        "steps": [
            _send("apology", _mail(
                "detractor-follow-up",
                ("ご意見ありがとうございました", "{{ customer.first_name }}様、率直なご意見を"
                 "ありがとうございました。担当者よりご連絡し、改善に努めます。"),
                ("Thank you for your honest feedback",
                 "Hi {{ customer.first_name }}, thank you for telling us. Someone from our team "
                 "will get in touch to put things right.")),),
            {"id": "flag", "type": "update_trait", "traits": {"needs_follow_up": True}},
        ],
    }


_BUILDERS = {
    "abandoned_cart": (_abandoned_cart, "カゴ落ちフォロー", "Abandoned cart",
                       "購入手続きを始めて1時間以内に注文がないとき(cart_idで照合)にリマインドを送ります。",
                       "Reminds customers who started checkout but did not order within an "
                       "hour (matched by cart_id)."),
    "welcome": (_welcome, "ウェルカムシリーズ", "Welcome series",
                "会員登録から1週間で3通のメールを送ります。",
                "Three emails over the week after sign-up."),
    "post_purchase": (_post_purchase, "購入後のお礼とNPS調査", "Post-purchase thank-you + NPS",
                      "購入直後にお礼、7日後にNPSアンケートを送ります。",
                      "A thank-you after each order and an NPS survey 7 days later."),
    "birthday": (_birthday, "誕生日クーポン", "Birthday coupon",
                 "誕生日の現地時間9:00にクーポンを送ります。",
                 "A coupon at 09:00 local time on the customer's birthday."),
    "win_back": (_win_back, "離反懸念顧客の呼び戻し", "Win-back for at-risk customers",
                 "離反懸念セグメントに入った顧客に2通のメールを送ります。",
                 "Two emails to customers who enter the at-risk segment."),
    "detractor_follow_up": (_detractor, "批判者へのフォロー", "Detractor follow-up",
                            "NPSで6点以下の回答者にお詫びを送り、フォロー対象にします。",
                            "Thanks NPS detractors (score 6 or lower) and flags them for a "
                            "follow-up call."),
}

TEMPLATE_NAMES: tuple[str, ...] = tuple(_BUILDERS)


def templates(params: Mapping[str, str] | None = None) -> list[JourneyTemplate]:
    return [template(name, params) for name in _BUILDERS]


def template(name: str, params: Mapping[str, str] | None = None) -> JourneyTemplate:
    if name not in _BUILDERS:
        raise JourneyTemplateUnknown(f"No journey template is called {name!r}; choose one of "
                                     f"{', '.join(_BUILDERS)}.", template=name)
    build, title_ja, title_en, desc_ja, desc_en = _BUILDERS[name]
    return JourneyTemplate(name=name, title={"ja": title_ja, "en": title_en},
                           description={"ja": desc_ja, "en": desc_en},
                           definition=build(params or {}))
