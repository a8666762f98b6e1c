"""The dashboard's message catalogue (ja / en) and language negotiation.

Every user-facing string of the dashboard lives here, once per language; templates call
``t("key")``. ``tests/acceptance/web/test_i18n.py`` checks both catalogues have the same keys and
the same ``{placeholders}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from kizuna.web import (
    i18n_broadcasts,
    i18n_experiments,
    i18n_feedback,
    i18n_ideas,
    i18n_inbox,
    i18n_jobs,
    i18n_journeys,
    i18n_loyalty,
    i18n_messaging,
    i18n_overview,
    i18n_public,
    i18n_recommend,
    i18n_reviews,
    i18n_segments,
    i18n_surveys,
)

LOCALES: Final = ("ja", "en")

en: dict[str, str] = {
    "app.name": "kizuna",
    "app.tagline": "Customer engagement",
    "nav.customers": "Customers",
    "nav.main": "Main navigation",
    "nav.signed_in_as": "Signed in as {email}",
    "nav.role": "Role: {role}",
    "nav.logout": "Log out",
    "lang.label": "Language",
    "lang.switch": "Switch",
    "lang.ja": "日本語",
    "lang.en": "English",
    "role.admin": "Admin",
    "role.marketer": "Marketer",
    "role.viewer": "Viewer",
    "login.title": "Log in",
    "login.email": "Email",
    "login.password": "Password",
    "login.submit": "Log in",
    "login.failed": "The email or password is wrong.",
    "login.rate_limited": "Too many failed logins from your address. Wait a minute and try again.",
    "login.logged_out": "You have been logged out.",
    "customers.title": "Customers",
    "customers.search": "Search",
    "customers.search_placeholder": "Name, email, user id or phone",
    "customers.search_submit": "Search",
    "customers.clear": "Clear",
    "customers.total": "{total} customers",
    "customers.none": "No customers match.",
    "customers.col.name": "Name",
    "customers.col.email": "Email",
    "customers.col.external_id": "User ID",
    "customers.col.country": "Country",
    "customers.col.orders": "Orders",
    "customers.col.last_seen": "Last seen",
    "customers.anonymous": "Anonymous",
    "pager.label": "Pages",
    "pager.prev": "Previous",
    "pager.next": "Next",
    "pager.page_of": "Page {page} of {pages}",
    "profile.back": "Back to customers",
    "profile.identifiers": "Identifiers",
    "profile.id": "Profile ID",
    "profile.external_id": "User ID",
    "profile.email": "Email",
    "profile.phone": "Phone",
    "profile.anonymous_ids": "Anonymous IDs",
    "profile.first_seen": "First seen",
    "profile.last_seen": "Last seen",
    "profile.locale": "Language",
    "profile.timezone": "Time zone",
    "profile.country": "Country",
    "profile.birthday": "Birthday",
    "profile.traits": "Traits",
    "profile.trait": "Trait",
    "profile.value": "Value",
    "profile.no_traits": "No traits yet.",
    "profile.consent": "Consent",
    "profile.consent.channel": "Channel",
    "profile.consent.purpose": "Purpose",
    "profile.consent.status": "Status",
    "profile.consent.method": "How",
    "profile.consent.recorded": "Recorded",
    "profile.no_consent": "No consent recorded.",
    "profile.orders": "Orders",
    "profile.orders.count": "Orders",
    "profile.orders.revenue": "Revenue",
    "profile.orders.first": "First order",
    "profile.orders.last": "Last order",
    "profile.orders.none": "No orders.",
    "profile.order.id": "Order",
    "profile.order.placed": "Placed",
    "profile.order.status": "Status",
    "profile.order.total": "Total",
    "profile.order.items": "Items",
    "profile.order.qty": "Qty",
    "profile.order.showing": "Showing the latest {n} orders.",
    "timeline.title": "Timeline",
    "timeline.empty": "No activity yet.",
    "timeline.load_more": "Load more",
    "timeline.loading": "Loading…",
    "timeline.merge": "Merged profile #{merged} into this one",
    "timeline.merge_reason": "Reason: {reason}",
    "timeline.details": "Details",
    "timeline.anonymous": "anonymous",
    "timeline.as_user": "as {user}",
    "timeline.back_to_profile": "Back to profile",
    "timeline.older": "Older activity",
    "time.zone_note": "Times are shown in {zone}.",
    "error.title": "Something went wrong",
    "error.status": "Error {status}",
    "error.not_found": "The page you asked for does not exist.",
    "error.forbidden": "Your role does not allow this page.",
    "error.csrf": "The form expired or did not come from this site. Go back, reload and try again.",
    "error.home": "Go to the dashboard",
    "common.none": "—",
    "common.yes": "Yes",
    "common.no": "No",
}

ja: dict[str, str] = {
    "app.name": "kizuna",
    "app.tagline": "カスタマーエンゲージメント",
    "nav.customers": "顧客",
    "nav.main": "メインナビゲーション",
    "nav.signed_in_as": "{email} でログイン中",
    "nav.role": "権限: {role}",
    "nav.logout": "ログアウト",
    "lang.label": "表示言語",
    "lang.switch": "切り替え",
    "lang.ja": "日本語",
    "lang.en": "English",
    "role.admin": "管理者",
    "role.marketer": "マーケター",
    "role.viewer": "閲覧者",
    "login.title": "ログイン",
    "login.email": "メールアドレス",
    "login.password": "パスワード",
    "login.submit": "ログイン",
    "login.failed": "メールアドレスまたはパスワードが正しくありません。",
    "login.rate_limited": "ログインの失敗が多すぎます。1分ほど待ってから再度お試しください。",
    "login.logged_out": "ログアウトしました。",
    "customers.title": "顧客一覧",
    "customers.search": "検索",
    "customers.search_placeholder": "名前、メール、ユーザーID、電話番号",
    "customers.search_submit": "検索",
    "customers.clear": "クリア",
    "customers.total": "{total} 件の顧客",
    "customers.none": "該当する顧客はいません。",
    "customers.col.name": "名前",
    "customers.col.email": "メールアドレス",
    "customers.col.external_id": "ユーザーID",
    "customers.col.country": "国",
    "customers.col.orders": "注文数",
    "customers.col.last_seen": "最終アクセス",
    "customers.anonymous": "匿名",
    "pager.label": "ページ",
    "pager.prev": "前へ",
    "pager.next": "次へ",
    "pager.page_of": "{page} / {pages} ページ",
    "profile.back": "顧客一覧に戻る",
    "profile.identifiers": "識別子",
    "profile.id": "プロフィールID",
    "profile.external_id": "ユーザーID",
    "profile.email": "メールアドレス",
    "profile.phone": "電話番号",
    "profile.anonymous_ids": "匿名ID",
    "profile.first_seen": "初回アクセス",
    "profile.last_seen": "最終アクセス",
    "profile.locale": "言語",
    "profile.timezone": "タイムゾーン",
    "profile.country": "国",
    "profile.birthday": "誕生日",
    "profile.traits": "属性",
    "profile.trait": "属性名",
    "profile.value": "値",
    "profile.no_traits": "属性はまだありません。",
    "profile.consent": "同意",
    "profile.consent.channel": "チャネル",
    "profile.consent.purpose": "目的",
    "profile.consent.status": "状態",
    "profile.consent.method": "取得方法",
    "profile.consent.recorded": "記録日時",
    "profile.no_consent": "同意の記録はありません。",
    "profile.orders": "注文",
    "profile.orders.count": "注文数",
    "profile.orders.revenue": "売上",
    "profile.orders.first": "初回注文",
    "profile.orders.last": "最終注文",
    "profile.orders.none": "注文はありません。",
    "profile.order.id": "注文",
    "profile.order.placed": "注文日時",
    "profile.order.status": "状態",
    "profile.order.total": "合計",
    "profile.order.items": "商品",
    "profile.order.qty": "数量",
    "profile.order.showing": "最新の {n} 件の注文を表示しています。",
    "timeline.title": "タイムライン",
    "timeline.empty": "まだアクティビティはありません。",
    "timeline.load_more": "さらに読み込む",
    "timeline.loading": "読み込み中…",
    "timeline.merge": "プロフィール #{merged} をこのプロフィールに統合",
    "timeline.merge_reason": "理由: {reason}",
    "timeline.details": "詳細",
    "timeline.anonymous": "匿名",
    "timeline.as_user": "ユーザー {user}",
    "timeline.back_to_profile": "プロフィールに戻る",
    "timeline.older": "過去のアクティビティ",
    "time.zone_note": "日時は {zone} で表示しています。",
    "error.title": "エラーが発生しました",
    "error.status": "エラー {status}",
    "error.not_found": "お探しのページは見つかりません。",
    "error.forbidden": "この画面を表示する権限がありません。",
    "error.csrf": (
        "フォームの有効期限が切れたか、このサイト以外から送信されました。"
        "戻って再読み込みしてから、もう一度お試しください。"
    ),
    "error.home": "ダッシュボードへ",
    "common.none": "—",
    "common.yes": "はい",
    "common.no": "いいえ",
}

for _module in (i18n_overview, i18n_public, i18n_surveys, i18n_feedback, i18n_reviews,
                i18n_ideas, i18n_recommend, i18n_loyalty, i18n_messaging, i18n_experiments,
                i18n_jobs, i18n_journeys, i18n_segments, i18n_broadcasts, i18n_inbox):
    en.update(_module.EN)
    ja.update(_module.JA)

CATALOGUES: Final[Mapping[str, Mapping[str, str]]] = {"ja": ja, "en": en}


def normalise_locale(value: str | None) -> str | None:
    """``"ja-JP"`` → ``"ja"``; unknown languages → ``None``."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in CATALOGUES else None


def from_accept_language(header: str | None) -> str | None:
    """The best supported language of an ``Accept-Language`` header, by q-value."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, raw = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(raw)
                except ValueError:
                    q = 0.0
        locale = normalise_locale(lang)
        if locale and q > 0:
            choices.append((-q, position, locale))
    return min(choices)[2] if choices else None


def translator(locale: str) -> Callable[..., str]:
    """``t(key, **params)`` for ``locale``; a missing key shows itself (and fails the tests)."""
    catalogue = CATALOGUES.get(locale, en)

    def t(key: str, **params: Any) -> str:
        text = catalogue.get(key, key)
        return text.format(**params) if params else text

    return t
