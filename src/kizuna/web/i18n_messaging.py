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
    "preferences.title": "Your message preferences",
    "preferences.intro": "Choose which messages you want from us. Messages about your orders "
                         "and account are always sent.",
    "preferences.language": "Language",
    "preferences.state.granted": "On",
    "preferences.state.withdrawn": "Off",
    "preferences.state.none": "Not chosen yet (off)",
    "preferences.current": "Now: {state}",
    "preferences.changed_at": "changed {when}",
    "preferences.submit": "Save my choices",
    "preferences.saved": "Saved. {count} choice(s) changed.",
    "preferences.unchanged": "Nothing changed.",
    "preferences.item.email.marketing": "News and offers by email",
    "preferences.item.webhook.marketing": "News and offers on LINE / messaging apps",
    "preferences.item.in_app.marketing": "News and offers in the app",
    "preferences.wording.email.marketing": "I agree to receive news, offers and campaign "
                                           "emails. I can stop them at any time.",
    "preferences.wording.webhook.marketing": "I agree to receive news, offers and campaign "
                                             "messages on LINE and other messaging apps. I can "
                                             "stop them at any time.",
    "preferences.wording.in_app.marketing": "I agree to see news, offers and campaign "
                                            "messages in the app. I can stop them at any time.",
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
    "preferences.title": "配信設定",
    "preferences.intro": "受け取りたいお知らせを選んでください。ご注文やアカウントに関する"
                         "お知らせは常にお届けします。",
    "preferences.language": "言語",
    "preferences.state.granted": "受け取る",
    "preferences.state.withdrawn": "受け取らない",
    "preferences.state.none": "未選択（受け取らない）",
    "preferences.current": "現在: {state}",
    "preferences.changed_at": "{when} に変更",
    "preferences.submit": "設定を保存する",
    "preferences.saved": "保存しました。{count} 件の設定を変更しました。",
    "preferences.unchanged": "変更はありません。",
    "preferences.item.email.marketing": "メールでのお知らせ・キャンペーン",
    "preferences.item.webhook.marketing": "LINE などメッセージアプリでのお知らせ・キャンペーン",
    "preferences.item.in_app.marketing": "アプリ内でのお知らせ・キャンペーン",
    "preferences.wording.email.marketing": "お知らせ・キャンペーン情報のメール配信に同意します。"
                                           "配信はいつでも停止できます。",
    "preferences.wording.webhook.marketing": "LINE などのメッセージアプリでのお知らせ・キャンペーン"
                                             "情報の配信に同意します。配信はいつでも停止できます。",
    "preferences.wording.in_app.marketing": "アプリ内でのお知らせ・キャンペーン情報の表示に"
                                            "同意します。表示はいつでも停止できます。",
}
