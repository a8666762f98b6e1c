"""Feedback in the demo data set: NPS and CSAT answers, reviews and referrals that follow the
orders and the people's behaviour, and that score through satisfaction_scores once loaded."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kizuna.analytics.snapshot import take_snapshot
from kizuna.db.engine import transaction
from kizuna.demo import load
from kizuna.demo.generate import DemoData, generate_demo
from kizuna.metrics import satisfaction
from kizuna.metrics.feedback_scores import satisfaction_scores
from kizuna.metrics.periods import Period
from kizuna.runtime import Runtime
from kizuna.settings import Settings

ANCHOR = date(2026, 11, 23)
END = datetime(2026, 11, 23, tzinfo=UTC)
FEEDBACK = ("Survey Responded", "Review Submitted", "Referral Sent")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate_demo(customers=600, seed=7, anchor=ANCHOR)


def _at(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(message["timestamp"])


def _responses(data: DemoData, kind: str) -> list[dict[str, Any]]:
    return [
        m
        for m in data.messages
        if m.get("event") == "Survey Responded" and m["properties"]["survey_type"] == kind
    ]


def test_nps_follows_a_quarter_of_orders_about_a_week_later(data: DemoData) -> None:
    nps = _responses(data, "nps")
    assert 0.18 * len(data.orders) < len(nps) < 0.28 * len(data.orders)
    orders: dict[str, list[datetime]] = {}
    for o in data.orders:
        orders.setdefault(o.user_id, []).append(o.record.placed_at)
    for m in nps:
        at = _at(m)
        gaps = [at - placed for placed in orders[m["userId"]] if placed < at]
        assert any(timedelta(days=6) <= g <= timedelta(days=8.5) for g in gaps)
        assert m["properties"]["survey_id"] == "post-purchase-nps"
        assert isinstance(m["properties"]["score"], int) and 0 <= m["properties"]["score"] <= 10


def test_repeat_buyers_are_more_often_promoters_and_overall_nps_is_plausible(
    data: DemoData,
) -> None:
    per_person = Counter(o.user_id for o in data.orders)
    nps = _responses(data, "nps")
    overall = satisfaction.nps([m["properties"]["score"] for m in nps])
    assert 10 <= overall.value <= 30, overall.value
    repeat = [m["properties"]["score"] for m in nps if per_person[m["userId"]] > 1]
    once = [m["properties"]["score"] for m in nps if per_person[m["userId"]] == 1]
    assert satisfaction.nps(repeat).value > satisfaction.nps(once).value + 20
    csat = [m["properties"]["score"] for m in _responses(data, "csat")]
    assert csat and all(1 <= s <= 5 for s in csat)
    assert 65 <= satisfaction.csat(csat).value <= 95


def test_comments_and_reviews_speak_the_persons_language(data: DemoData) -> None:
    locale = {p.user_id: p.locale for p in data.people}
    bought = {(o.user_id, line.product_external_id) for o in data.orders for line in o.record.lines}
    texts = [
        (m["userId"], m["properties"]["comment"])
        for m in _responses(data, "nps")
        if "comment" in m["properties"]
    ]
    reviews = [m for m in data.messages if m.get("event") == "Review Submitted"]
    assert texts and reviews
    texts += [(m["userId"], m["properties"]["text"]) for m in reviews]
    for user, text in texts:
        assert bool(_JAPANESE.search(text)) == (locale[user] == "ja"), text
    for m in reviews:
        assert 1 <= m["properties"]["rating"] <= 5
        assert (m["userId"], m["properties"]["product_id"]) in bought


def test_referrals_come_from_promoters_after_they_answered(data: DemoData) -> None:
    promoted: dict[str, list[datetime]] = {}
    for m in _responses(data, "nps"):
        if m["properties"]["score"] >= 9:
            promoted.setdefault(m["userId"], []).append(_at(m))
    referrals = [m for m in data.messages if m.get("event") == "Referral Sent"]
    assert referrals
    for m in referrals:
        assert any(timedelta(0) < _at(m) - t <= timedelta(days=3) for t in promoted[m["userId"]])


def test_feedback_is_small_reproducible_and_never_after_the_end(data: DemoData) -> None:
    feedback = [m for m in data.messages if m.get("event") in FEEDBACK]
    assert 0 < len(feedback) < 0.03 * len(data.messages)
    assert all(_at(m) < END for m in feedback)
    again = generate_demo(customers=600, seed=7, anchor=ANCHOR)
    assert [m for m in again.messages if m.get("event") in FEEDBACK] == feedback


def test_loaded_demo_scores_through_satisfaction_scores(
    runtime: Runtime, settings: Settings
) -> None:
    data = generate_demo(customers=30, seed=7, anchor=ANCHOR)
    with transaction(runtime.sessions) as session:
        access = load.ensure_demo_access(session, runtime.clock, secret="s3cret", seed=7)
    load.load_demo(runtime.sessions, access=access, data=data, clock=runtime.clock)
    expected = [m["properties"]["score"] for m in _responses(data, "nps")]
    assert expected
    period = Period(date(1990, 1, 1), ANCHOR)
    with take_snapshot(
        settings.database_url,
        access.workspace_id,
        timezone="Asia/Tokyo",
        currency="USD",
        as_of=END,
    ) as snap:
        report = satisfaction_scores(snap, period, kinds=("nps", "csat"))
    assert report.kinds["nps"].score == satisfaction.nps(expected)
    assert report.kinds["nps"].rejected.total == 0
    assert sum(p.n for p in report.kinds["nps"].trend) == len(expected)
