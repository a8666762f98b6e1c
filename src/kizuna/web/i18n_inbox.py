"""Dashboard messages of the in-app inbox settings page (ja / en; same keys in both)."""

from __future__ import annotations

EN: dict[str, str] = {
    "nav.inbox": "In-app inbox",
    "inbox.title": "In-app inbox",
    "inbox.intro": "Messages sent with the in_app channel appear in your customers' inbox on "
                   "your site or app. Set it up here.",
    "inbox.secret": "Inbox secret",
    "inbox.secret.explain": "Your server signs each signed-in user: user_hash = "
                            "HMAC-SHA256(secret, user_id). Never put the secret in a page or "
                            "an app.",
    "inbox.rotate": "Make a new secret",
    "inbox.rotate.warning": "Every user hash made with the current secret stops working.",
    "inbox.origins": "Web sites allowed to show the inbox",
    "inbox.origins.explain": "One origin per line (scheme and host, e.g. "
                             "https://shop.example).",
    "inbox.origins.save": "Save origins",
    "inbox.snippet": "Snippet",
    "inbox.snippet.explain": "Put this on your pages; the write key is a source's key, the "
                             "user hash comes from your server.",
    "inbox.done.origins": "The allowed origins were saved.",
    "inbox.done.rotated": "A new secret was made. Update your server.",
}

JA: dict[str, str] = {
    "nav.inbox": "アプリ内お知らせ",
    "inbox.title": "アプリ内お知らせ",
    "inbox.intro": "in_app チャネルで送ったメッセージは、サイトやアプリのお知らせ欄に表示されます。"
                   "ここで設定します。",
    "inbox.secret": "お知らせ用シークレット",
    "inbox.secret.explain": "ログイン中のユーザーごとに、サーバーで user_hash = "
                            "HMAC-SHA256(シークレット, user_id) を計算してください。"
                            "シークレットをページやアプリに含めないでください。",
    "inbox.rotate": "シークレットを作り直す",
    "inbox.rotate.warning": "今のシークレットで作ったユーザーハッシュはすべて使えなくなります。",
    "inbox.origins": "お知らせを表示できるサイト",
    "inbox.origins.explain": "1行に1つのオリジン(スキームとホスト。例: https://shop.example)。",
    "inbox.origins.save": "オリジンを保存",
    "inbox.snippet": "埋め込みコード",
    "inbox.snippet.explain": "ページに貼り付けてください。書き込みキーはソースのキー、"
                             "ユーザーハッシュはサーバーで計算したものです。",
    "inbox.done.origins": "許可するオリジンを保存しました。",
    "inbox.done.rotated": "新しいシークレットを作りました。サーバーの設定を更新してください。",
}
