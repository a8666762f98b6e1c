"""Messages shared by every public page (ja / en)."""

from __future__ import annotations

EN: dict[str, str] = {
    "public.error.title": "Something went wrong. Please try again later.",
    "public.error.status": "Error {status}",
    "public.error.csrf": "This form expired. Go back, reload the page and send it again.",
    "public.error.not_found": "This page does not exist or is no longer available.",
    "public.error.rate_limited": "Too many submissions from your address. Wait a minute.",
    "public.honeypot_label": "Leave this field empty",
    "public.powered_by": "Powered by kizuna",
    "nav.surveys": "Surveys",
    "nav.feedback": "Feedback",
    "nav.reviews": "Reviews",
    "nav.ideas": "Ideas",
}
JA: dict[str, str] = {
    "public.error.title": "エラーが発生しました。しばらくしてからもう一度お試しください。",
    "public.error.status": "エラー {status}",
    "public.error.csrf": (
        "フォームの有効期限が切れました。戻って再読み込みしてから送信してください。"
    ),
    "public.error.not_found": "このページは存在しないか、公開が終了しました。",
    "public.error.rate_limited": "送信回数が多すぎます。1分ほどお待ちください。",
    "public.honeypot_label": "この欄は空のままにしてください",
    "public.powered_by": "Powered by kizuna",
    "nav.surveys": "アンケート",
    "nav.feedback": "お客様の声",
    "nav.reviews": "レビュー",
    "nav.ideas": "アイデア",
}
