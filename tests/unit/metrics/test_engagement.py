"""Engagement KPIs and scores on tiny, hand-checked snapshots."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.errors import Invalid
from kizuna.metrics import intervals
from kizuna.metrics.engagement import EngagementWeights, engagement_kpis, engagement_scores
from kizuna.metrics.periods import Period
from tests.analytic_tables import make_snapshot

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))  # previous: Oct 2 .. Oct 31
T = datetime(2026, 11, 10, 3, tzinfo=UTC)
OCT = datetime(2026, 10, 10, 3, tzinfo=UTC)


def _ev(cid: int, event: str, at: datetime, **kw: Any) -> dict[str, Any]:
    return {"customer_id": cid, "event": event, "ts": at, **kw}


def _page(cid: int, at: datetime) -> dict[str, Any]:
    return {"customer_id": cid, "type": "page", "ts": at}


def _mail_events() -> list[dict[str, Any]]:
    h = timedelta(hours=1)
    return [
        # November: 4 pairs delivered (3 newsletter, 1 promo)
        _ev(1, "Email Delivered", T, campaign_id="nl-20261110"),
        _ev(2, "Email Delivered", T, campaign_id="nl-20261110"),
        _ev(3, "Email Delivered", T, campaign_id="nl-20261110"),
        _ev(1, "Email Delivered", T + h, campaign_id="promo-1"),
        _ev(1, "Email Opened", T + 2 * h, campaign_id="nl-20261110"),
        _ev(1, "Email Opened", T + 3 * h, campaign_id="nl-20261110"),  # same pair again
        _ev(2, "Email Link Clicked", T + 2 * h, campaign_id="nl-20261110"),  # implies an open
        _ev(1, "Email Link Clicked", T + 2 * h, campaign_id="promo-1"),
        _ev(1, "Email Opened", T + 2 * h, campaign_id="promo-1"),
        _ev(4, "Email Opened", T, campaign_id="nl-20261110"),  # no delivery: not counted
        _ev(3, "Email Unsubscribed", T + 5 * h),  # no campaign: last delivery (nl) gets it
        # October: 2 pairs, 1 opened
        _ev(1, "Email Delivered", OCT, campaign_id="nl-20261010"),
        _ev(2, "Email Delivered", OCT, campaign_id="nl-20261010"),
        _ev(2, "Email Opened", OCT + h, campaign_id="nl-20261010"),
    ]


def test_email_rates_count_people_by_campaign_pairs() -> None:
    snap = make_snapshot(events=_mail_events())
    rep = engagement_kpis(snap, NOV)
    opened = rep.email_open_rate
    assert (opened.value, opened.n) == (3 / 4, 4)  # pairs (nl,1) (nl,2) (promo,1)
    assert (opened.previous, opened.previous_n) == (0.5, 2)
    ci = intervals.wilson(3, 4)
    assert ci and (opened.ci_low, opened.ci_high) == (ci.low, ci.high)
    assert opened.p_value == intervals.two_proportion_p(3, 4, 1, 2)
    assert rep.email_click_rate.value == 2 / 4
    assert (rep.click_to_open_rate.value, rep.click_to_open_rate.n) == (2 / 3, 3)
    assert (rep.newsletter_open_rate.value, rep.newsletter_open_rate.n) == (2 / 3, 3)
    assert (rep.unsubscribe_rate.value, rep.unsubscribe_rate.n) == (1 / 4, 4)


def test_newsletter_prefix_is_configurable() -> None:
    rep = engagement_kpis(make_snapshot(events=_mail_events()), NOV, newsletter_prefix="promo-")
    assert (rep.newsletter_open_rate.value, rep.newsletter_open_rate.n) == (1.0, 1)


def test_sessions_and_pages_per_session() -> None:
    m = timedelta(minutes=1)
    events = [
        _page(1, T),
        _page(1, T + 5 * m),
        _page(1, T + 10 * m),  # session of 3 pages
        _page(1, T + 2 * timedelta(hours=1)),  # new session of 1 page
        _page(2, T),  # 1 page
        _page(2, OCT),
        _page(2, OCT + m),  # October: one session of 2 pages
    ]
    rep = engagement_kpis(make_snapshot(events=events), NOV)
    assert (rep.sessions.value, rep.sessions.n, rep.sessions.previous) == (3.0, 3, 1.0)
    pps = rep.pages_per_session
    assert pps.value == pytest.approx(5 / 3) and pps.n == 3 and pps.previous == 2.0
    ci = intervals.ratio_interval(5, 9 + 1 + 1, 3)
    assert ci and pps.ci_low == pytest.approx(ci.low) and pps.ci_high == pytest.approx(ci.high)
    assert pps.p_value is None  # one previous session: no test


def test_social_engagement_is_actions_over_reach_with_ratio_interval() -> None:
    reaches = [100.0, 50.0, 250.0]
    kinds = ["Social Post Liked", "Social Post Shared", "Social Post Mentioned"]
    events = [
        _ev(i + 1, k, T, reach=r) for i, (k, r) in enumerate(zip(kinds, reaches, strict=True))
    ]
    events.append(_ev(9, "Social Post Commented", T))  # no reach: left out, with a note
    kpi = engagement_kpis(make_snapshot(events=events), NOV).social_engagement
    ratio = 3 / 400
    assert kpi.value == pytest.approx(ratio) and kpi.n == 3
    var = 3 / 2 * sum((1 - ratio * r) ** 2 for r in reaches) / 400**2
    assert kpi.ci_high == pytest.approx(ratio + 1.959964 * math.sqrt(var), rel=1e-6)
    assert kpi.note and "1 social actions" in kpi.note


def test_empty_snapshot_gives_none_with_notes() -> None:
    rep = engagement_kpis(make_snapshot(), NOV)
    assert rep.sessions.value == 0.0
    for kpi in rep.kpis[1:]:
        assert kpi.value is None and kpi.note, kpi.key


def _score_snapshot() -> Any:
    events = [
        _page(1, T),
        _page(1, T + timedelta(minutes=5)),
        _page(2, T),
        _ev(1, "Email Delivered", T, campaign_id="nl-1"),
        _ev(2, "Email Delivered", T + timedelta(hours=3), campaign_id="nl-1"),  # no activity
        _ev(1, "Email Opened", T + timedelta(hours=1), campaign_id="nl-1"),
        _ev(2, "Email Link Clicked", T + timedelta(hours=1), campaign_id="nl-1"),
        _ev(2, "Email Unsubscribed", T + timedelta(hours=2)),
        _ev(1, "Social Post Liked", T, reach=100),
        _ev(2, "Social Post Shared", T, reach=50),
        _ev(3, "Product Viewed", T - timedelta(days=200)),  # outside the 90-day window
    ]
    return make_snapshot(events=events, orders=[{"customer_id": 1, "placed_at": T, "total": 10}])


def test_engagement_score_hand_checked() -> None:
    res = engagement_scores(_score_snapshot())
    # 1: sessions 1.0·.15 + opens 1.0·.10 + social 1.0·.10 + orders 1.0·.20 + recency 0.5·.15
    # 2: sessions 1.0·.15 + clicks 1.0·.15 + social 1.0·.10 + recency 1.0·.15 (unsubscribed last)
    assert res.scores == {1: 62.5, 2: 55.0, 3: 0.0}
    assert (res.customers, res.active) == (3, 2)
    assert res.summary.mean == pytest.approx(58.75) and res.summary.n == 2
    assert sum(b.customers for b in res.summary.histogram) == 2
    assert [b.customers for b in res.summary.histogram][5:7] == [1, 1]


def test_weights_are_relative_and_validated() -> None:
    snap = _score_snapshot()
    doubled = EngagementWeights(
        sessions=0.3,
        product_views=0.3,
        email_opens=0.2,
        email_clicks=0.3,
        social=0.2,
        orders=0.4,
        recency=0.3,
    )
    assert engagement_scores(snap, weights=doubled).scores == engagement_scores(snap).scores
    only_orders = EngagementWeights(
        sessions=0, product_views=0, email_opens=0, email_clicks=0, social=0, orders=1, recency=0
    )
    assert engagement_scores(snap, weights=only_orders).scores == {1: 100.0, 2: 0.0, 3: 0.0}
    with pytest.raises(Invalid) as neg:
        EngagementWeights(orders=-0.1)
    assert neg.value.fields["field"] == "weights"
    with pytest.raises(Invalid):
        EngagementWeights(
            sessions=0,
            product_views=0,
            email_opens=0,
            email_clicks=0,
            social=0,
            orders=0,
            recency=0,
        )
    with pytest.raises(Invalid):
        EngagementWeights(social=math.nan)
    with pytest.raises(Invalid) as win:
        engagement_scores(snap, window_days=0)
    assert win.value.fields["field"] == "window_days"


def test_no_active_customer_gives_a_note() -> None:
    res = engagement_scores(_score_snapshot(), window_days=1)
    assert res.active == 0 and res.summary.mean is None and res.summary.note


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),
            st.sampled_from(["Product Viewed", "Email Opened", "Social Post Liked", "page"]),
            st.integers(0, 80),
        ),
        max_size=30,
    )
)
def test_scores_stay_within_0_and_100(rows: list[tuple[int, str, int]]) -> None:
    events = [
        {"customer_id": c, "ts": T - timedelta(days=d), "type": "page"}
        if e == "page"
        else _ev(c, e, T - timedelta(days=d), campaign_id=f"nl-{d}")
        for c, e, d in rows
    ]
    res = engagement_scores(make_snapshot(events=events, as_of=T + timedelta(days=1)))
    assert all(0.0 <= s <= 100.0 for s in res.scores.values())
    assert res.active == sum(1 for s in res.scores.values() if s > 0)
