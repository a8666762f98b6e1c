"""Dashboard messages of the delivery outbox (ja / en; same keys in both)."""

from __future__ import annotations

EN: dict[str, str] = {
    "nav.jobs": "Jobs",
    "jobs.title": "Delivery jobs",
    "jobs.intro": "Sends and webhooks waiting in the outbox, and those that could not be "
                  "delivered.",
    "jobs.counts": "Jobs by kind and status",
    "jobs.kind": "Kind",
    "jobs.total": "Total",
    "jobs.none": "No jobs yet.",
    "jobs.status": "Status",
    "jobs.status.queued": "Queued",
    "jobs.status.running": "Running",
    "jobs.status.done": "Done",
    "jobs.status.failed": "Failed",
    "jobs.status.dead": "Dead letter",
    "jobs.dead_letters": "Dead letters and failures",
    "jobs.no_dead_letters": "No dead letters: every job was delivered or is still queued.",
    "jobs.key": "Idempotency key",
    "jobs.attempts": "Attempts",
    "jobs.reason": "Reason",
    "jobs.finished": "Finished",
    "jobs.retry": "Retry",
    "jobs.done.retried": "The job is queued again.",
    "jobs.possible_duplicate": "possible duplicate",
    "jobs.duplicates": "Possible duplicates",
    "jobs.duplicates.explain": "A worker stopped after it had started sending these, so the "
                               "customer may have received the message twice.",
    "jobs.feed": "Event feed consumers",
    "jobs.feed.explain": "What reacts to incoming events (segments, journeys): how far behind "
                         "the newest event each one is.",
    "jobs.feed.consumer": "Consumer",
    "jobs.feed.position": "Position (event id)",
    "jobs.feed.lag_events": "Behind (events)",
    "jobs.feed.lag_seconds": "Behind (seconds)",
    "jobs.feed.failing": "Last failure",
    "jobs.feed.none": "No consumer has started yet (the dispatcher runs in kizuna serve and "
                      "kizuna worker).",
}

JA: dict[str, str] = {
    "nav.jobs": "ジョブ",
    "jobs.title": "配信ジョブ",
    "jobs.intro": "送信待ちのメッセージ・Webhook と、配信できなかったものの一覧です。",
    "jobs.counts": "種類・状態別のジョブ数",
    "jobs.kind": "種類",
    "jobs.total": "合計",
    "jobs.none": "ジョブはまだありません。",
    "jobs.status": "状態",
    "jobs.status.queued": "待機中",
    "jobs.status.running": "実行中",
    "jobs.status.done": "完了",
    "jobs.status.failed": "失敗",
    "jobs.status.dead": "配信不能",
    "jobs.dead_letters": "配信不能・失敗したジョブ",
    "jobs.no_dead_letters": "配信不能なジョブはありません。すべて配信済みか待機中です。",
    "jobs.key": "冪等キー",
    "jobs.attempts": "試行回数",
    "jobs.reason": "理由",
    "jobs.finished": "終了日時",
    "jobs.retry": "再試行",
    "jobs.done.retried": "ジョブを再びキューに入れました。",
    "jobs.possible_duplicate": "重複送信の可能性",
    "jobs.duplicates": "重複送信の可能性があるジョブ",
    "jobs.duplicates.explain": "送信開始後にワーカーが停止したため、顧客に同じメッセージが"
                               "2 回届いた可能性があります。",
    "jobs.feed": "イベントフィードの処理",
    "jobs.feed.explain": "受信したイベントに反応する処理（セグメント、ジャーニー）と、最新の"
                         "イベントからの遅れです。",
    "jobs.feed.consumer": "処理",
    "jobs.feed.position": "位置（イベント ID）",
    "jobs.feed.lag_events": "遅れ（件）",
    "jobs.feed.lag_seconds": "遅れ（秒）",
    "jobs.feed.failing": "最後の失敗",
    "jobs.feed.none": "まだ処理が開始されていません（kizuna serve と kizuna worker で"
                      "動作します）。",
}
