"""Dashboard messages of the segments domain (ja / en; same keys in both)."""

from __future__ import annotations

EN: dict[str, str] = {
    "nav.segments": "Segments",
    "segments.title": "Segments",
    "segments.intro": "Named conditions over customers, recomputed every few minutes.",
    "segments.new": "New segment",
    "segments.none": "No segments yet.",
    "segments.col.key": "Key",
    "segments.col.name": "Name",
    "segments.col.size": "Members",
    "segments.col.updated": "Recomputed",
    "segments.never": "not yet",
    "segments.builder": "Segment builder",
    "segments.key": "Key (lowercase letters, digits, _ or -)",
    "segments.name": "Name",
    "segments.condition": "Condition (JSON)",
    "segments.readable": "In words",
    "segments.preview": "Preview size",
    "segments.save": "Save",
    "segments.size": "{size} customers match now",
    "segments.sample": "Sample",
    "segments.saved": "Saved. Members are updated at the next recompute.",
    "segments.members": "Members",
    "segments.no_members": "No members at the last recompute.",
    "segments.back": "Back to segments",
    "segments.json_invalid": "The condition is not valid JSON: {error}",
    "segments.scores_missing": "Metric scores are not computed yet for this workspace — run "
    "`kizuna segments refresh-scores` or wait for the hourly refresh, then preview again.",
    "segments.metrics_help": "Metric conditions: {\"metric\": \"rfm_segment\" | "
    "\"nps_group\" | \"journey_stage\", \"op\": \"eq\" | \"ne\" | \"in\", \"value\": …} or "
    "{\"metric\": \"clv\" | \"p_alive\" | \"expected_purchases\" | \"nps_score\" | "
    "\"engagement_score\", \"op\": \"gt\" | \"lt\", \"value\": number}; scores are refreshed "
    "hourly.",
}

JA: dict[str, str] = {
    "nav.segments": "セグメント",
    "segments.title": "セグメント",
    "segments.intro": "顧客の条件に名前を付けたもの。数分ごとに再計算されます。",
    "segments.new": "新しいセグメント",
    "segments.none": "セグメントはまだありません。",
    "segments.col.key": "キー",
    "segments.col.name": "名前",
    "segments.col.size": "メンバー数",
    "segments.col.updated": "再計算",
    "segments.never": "未計算",
    "segments.builder": "セグメントの作成",
    "segments.key": "キー(英小文字・数字・_・-)",
    "segments.name": "名前",
    "segments.condition": "条件(JSON)",
    "segments.readable": "条件の説明",
    "segments.preview": "人数を確認",
    "segments.save": "保存",
    "segments.size": "現在 {size} 人が該当します",
    "segments.sample": "サンプル",
    "segments.saved": "保存しました。メンバーは次回の再計算で更新されます。",
    "segments.members": "メンバー",
    "segments.no_members": "前回の再計算時点でメンバーはいません。",
    "segments.back": "セグメント一覧へ",
    "segments.json_invalid": "条件が正しいJSONではありません: {error}",
    "segments.scores_missing": "このワークスペースの指標スコアはまだ計算されていません。"
    "`kizuna segments refresh-scores` を実行するか、1時間ごとの更新を待ってから、もう一度人数を"
    "確認してください。",
    "segments.metrics_help": "指標の条件: {\"metric\": \"rfm_segment\" | \"nps_group\" | "
    "\"journey_stage\", \"op\": \"eq\" | \"ne\" | \"in\", \"value\": …} または "
    "{\"metric\": \"clv\" | \"p_alive\" | \"expected_purchases\" | \"nps_score\" | "
    "\"engagement_score\", \"op\": \"gt\" | \"lt\", \"value\": 数値}。"
    "スコアは1時間ごとに更新されます。",
}
