"""Public-page messages of the messaging domain: unsubscribe (ja / en; same keys in both)."""

from __future__ import annotations

EN: dict[str, str] = {
    "unsubscribe.title": "Unsubscribe",
    "unsubscribe.question": "Stop receiving these emails?",
    "unsubscribe.explain": "You will no longer receive {purpose} emails from us. "
                           "Messages about your orders and account still reach you.",
    "unsubscribe.submit": "Unsubscribe",
    "unsubscribe.done_title": "You are unsubscribed",
    "unsubscribe.done": "You will no longer receive {purpose} emails from us.",
    "unsubscribe.already": "You were already unsubscribed; nothing changed.",
    "unsubscribe.purpose.marketing": "marketing",
    "unsubscribe.purpose.other": "these",
}

JA: dict[str, str] = {
    "unsubscribe.title": "配信停止",
    "unsubscribe.question": "このメールの配信を停止しますか？",
    "unsubscribe.explain": "今後、{purpose}メールは届かなくなります。"
                           "ご注文やアカウントに関するお知らせは引き続きお届けします。",
    "unsubscribe.submit": "配信を停止する",
    "unsubscribe.done_title": "配信を停止しました",
    "unsubscribe.done": "今後、{purpose}メールは届きません。",
    "unsubscribe.already": "すでに配信停止済みです。変更はありません。",
    "unsubscribe.purpose.marketing": "お知らせ・キャンペーンの",
    "unsubscribe.purpose.other": "この種類の",
}
