"""Properties of the members vs non-members comparison (pure numpy: no database needed)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.loyalty import reports


def _group(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    orders = rng.integers(1, 6, size=n).astype(float)
    revenue = orders * scale * rng.lognormal(0, 0.4, size=n)
    first = rng.random(n) < 0.6
    retained = first & (rng.random(n) < 0.5)
    return np.column_stack([revenue, orders, first, retained]).astype(float)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_m=st.integers(30, 120), n_o=st.integers(30, 120),
       factor=st.floats(0.1, 100.0))
def test_the_comparison_is_scale_free_and_brackets_its_estimate(
    seed: int, n_m: int, n_o: int, factor: float
) -> None:
    rng = np.random.default_rng(seed)
    members, others = _group(rng, n_m, 60.0), _group(rng, n_o, 50.0)
    base = reports.compare_groups(members, others)
    scaled_m, scaled_o = members.copy(), others.copy()
    scaled_m[:, 0] *= factor
    scaled_o[:, 0] *= factor
    scaled = reports.compare_groups(scaled_m, scaled_o)
    for a, b in zip(base, scaled, strict=True):
        assert a.enough == b.enough
        if a.metric != "retention":  # retention's n is the first-half customers only
            assert a.enough
        if not a.enough:
            continue
        assert a.relative is not None and b.relative is not None
        assert abs(a.relative - b.relative) < 1e-9
        assert a.low is not None and a.high is not None and b.low is not None
        assert abs(a.low - b.low) < 1e-9 and a.low <= a.high


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_small=st.integers(0, 29))
def test_fewer_than_30_customers_on_a_side_is_not_enough_data(seed: int, n_small: int) -> None:
    rng = np.random.default_rng(seed)
    small = _group(rng, n_small, 50.0) if n_small else np.zeros((0, 4))
    for members, others in ((small, _group(rng, 80, 50.0)), (_group(rng, 80, 50.0), small)):
        for c in reports.compare_groups(members, others):
            assert not c.enough and c.relative is None and c.low is None and c.high is None


def test_a_planted_lift_is_covered_and_no_lift_is_not_called_a_difference() -> None:
    rng = np.random.default_rng(3)
    same = reports.compare_groups(_group(rng, 400, 50.0), _group(rng, 400, 50.0))
    lifted = reports.compare_groups(_group(rng, 400, 60.0), _group(rng, 400, 50.0))
    aov_same = next(c for c in same if c.metric == "aov")
    aov_lift = next(c for c in lifted if c.metric == "aov")
    assert aov_same.low is not None and aov_same.high is not None
    assert aov_same.low < 0 < aov_same.high
    assert aov_lift.low is not None and aov_lift.high is not None
    assert aov_lift.low < 0.2 < aov_lift.high and aov_lift.low > 0


def test_predicted_clv_on_cdnow_transactions_ranks_repeat_buyers_higher() -> None:
    from datetime import UTC, datetime, time

    from kizuna.demo.generate import generate_demo
    from kizuna.types import CustomerId

    data = generate_demo(customers=400, seed=11, anchor=datetime(2026, 6, 1).date())
    people = {p.user_id: CustomerId(i + 1) for i, p in enumerate(data.people)}
    orders = [(people[o.user_id], o.record.placed_at, o.record.total) for o in data.orders]
    now = datetime.combine(data.anchor, time(), tzinfo=UTC)
    predicted = reports.predicted_clv(orders, now)
    assert predicted is not None and set(predicted) <= set(people.values())
    assert all(np.isfinite(v) and v >= 0 for v in predicted.values())
    counts: dict[CustomerId, int] = {}
    for cid, _, _ in orders:
        counts[cid] = counts.get(cid, 0) + 1
    once = [v for c, v in predicted.items() if counts[c] == 1]
    often = [v for c, v in predicted.items() if counts[c] >= 4]
    assert once and often and float(np.mean(often)) > float(np.mean(once))
    assert reports.predicted_clv(orders[:3], now) is None  # too little data: no figure
