"""RFM scores, segments and grid: hand-checked, plus properties of the rank-based scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.metrics.errors import NotEnoughData
from kizuna.metrics.rfm import SEGMENT_GRID, RfmSegment, fm_score, rfm, segment_of
from tests.analytic_tables import make_snapshot

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
T = datetime(2026, 6, 1, 3, tzinfo=UTC)


def _orders(rows: list[tuple[int, int, float]], **kw: Any) -> list[dict[str, Any]]:
    return [
        {"customer_id": c, "placed_at": T + timedelta(days=d), "total": t, **kw} for c, d, t in rows
    ]


def test_hand_checked_scores_segments_and_grid() -> None:
    orders = _orders([(1, 0, 10), (2, 10, 20), (3, 20, 30), (3, 21, 30), (4, 30, 40), (5, 40, 50)])
    orders += _orders([(6, 50, 999)], status="cancelled")  # not counted: 6 is no buyer
    rep = rfm(make_snapshot(orders=orders, as_of=AS_OF))
    # R: 1 beats none -> 1, 2 -> 2, 3 -> 3, 4 -> 4, 5 -> 5; F: 1 order x4 -> 1, 3 has 2 -> 5;
    # M: 10, 20, 60, 40, 50 -> 1, 2, 5, 3, 4
    assert rep.customers == {
        1: (1, 1, 1, "Lost"),
        2: (2, 1, 2, "Hibernating"),
        3: (3, 5, 5, "Loyal Customers"),
        4: (4, 1, 3, "Potential Loyalists"),
        5: (5, 1, 4, "Potential Loyalists"),
    }
    assert rep.n == 5 and rep.revenue == 180.0
    assert rep.rf_grid[2][4] == 1 and sum(map(sum, rep.rf_grid)) == 5
    seg = {s.segment: s for s in rep.segments}
    pl = seg[RfmSegment.POTENTIAL_LOYALISTS]
    assert (pl.customers, pl.share, pl.revenue) == (2, 0.4, 90.0)
    assert pl.revenue_share == pytest.approx(0.5) and pl.mean_frequency == 1.0
    # last orders on 11 Jul and 1 Jul (Tokyo dates), as of 1 Dec: 143 and 153 days
    assert pl.mean_recency == pytest.approx(148.0)
    assert seg[RfmSegment.CHAMPIONS].customers == 0
    assert seg[RfmSegment.CHAMPIONS].mean_recency is None
    f = rep.ranges["frequency"]
    assert (f[0].customers, f[0].low, f[0].high) == (4, 1.0, 1.0) and f[4].low == 2.0


def test_recency_is_in_local_days() -> None:
    # 23:30 on 30 Nov in Tokyo is one local day before the as-of date (1 Dec, 09:00)
    late = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    snap = make_snapshot(orders=[{"customer_id": 1, "placed_at": late, "total": 1}], as_of=AS_OF)
    (only,) = [s for s in rfm(snap).segments if s.customers]
    assert only.mean_recency == 1.0
    assert only.segment is RfmSegment.LOST  # a lone buyer beats nobody: scores 1, 1, 1


def test_no_buyers_raises_not_enough_data() -> None:
    with pytest.raises(NotEnoughData, match="counted"):
        rfm(make_snapshot(as_of=AS_OF))


def test_segment_grid_covers_every_score_and_names_every_segment() -> None:
    assert {s for row in SEGMENT_GRID for s in row} == set(RfmSegment)
    assert segment_of(5, 5, 4) is RfmSegment.CHAMPIONS
    assert segment_of(1, 5, 5) is RfmSegment.CANNOT_LOSE_THEM
    assert segment_of(5, 1, 1) is RfmSegment.NEW_CUSTOMERS
    assert [fm_score(f, m) for f, m in ((1, 1), (1, 2), (2, 3), (5, 4), (5, 5))] == [1, 2, 3, 5, 5]


_buyer = st.tuples(st.integers(0, 60), st.integers(1, 4), st.integers(1, 50))


@settings(max_examples=40, deadline=None)
@given(st.lists(_buyer, min_size=1, max_size=25))
def test_scores_are_in_range_tied_and_monotone(buyers: list[tuple[int, int, int]]) -> None:
    """buyer i: last order `age` days before T, `k` orders of `amount` each."""
    orders = []
    for cid, (age, k, amount) in enumerate(buyers, 1):
        for j in range(k):
            orders.append(
                {
                    "customer_id": cid,
                    "placed_at": T - timedelta(days=age + 7 * j),
                    "total": float(amount),
                }
            )
    rep = rfm(make_snapshot(orders=orders, as_of=T + timedelta(hours=1)))
    scores = rep.customers
    assert len(scores) == len(buyers)
    values = {cid: (age, k, k * amount) for cid, (age, k, amount) in enumerate(buyers, 1)}
    for r, f, m, name in scores.values():
        assert all(1 <= s <= 5 for s in (r, f, m))
        assert name == segment_of(r, f, m).value
    for a, (age_a, k_a, spend_a) in values.items():
        for b, (age_b, k_b, spend_b) in values.items():
            ra, fa, ma, _ = scores[a]
            rb, fb, mb, _ = scores[b]
            if age_a == age_b:
                assert ra == rb
            if age_a < age_b:  # more recent never scores lower
                assert ra >= rb
            if k_a == k_b:
                assert fa == fb
            if k_a > k_b:
                assert fa >= fb
            if spend_a == spend_b:
                assert ma == mb
            if spend_a > spend_b:
                assert ma >= mb
    assert sum(map(sum, rep.rf_grid)) == len(buyers)
    assert sum(s.customers for s in rep.segments) == len(buyers)


@settings(max_examples=20, deadline=None)
@given(st.integers(5, 40))
def test_distinct_values_split_into_quintiles(n: int) -> None:
    orders = _orders([(c, c, float(c)) for c in range(1, n + 1)])
    rep = rfm(make_snapshot(orders=orders, as_of=AS_OF))
    counts = [r.customers for r in rep.ranges["monetary"]]
    assert max(counts) - min(counts) <= 1  # equal-size quintiles up to rounding
