""""Bought together" statistics against a brute-force count, and the stock rule."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.recommend.associations import bought_together
from kizuna.recommend.contracts import Interactions
from kizuna.recommend.serving import in_stock

baskets_strategy = st.lists(
    st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=5),
    min_size=1, max_size=40)


def _interactions(baskets: list[list[int]]) -> Interactions:
    rows = [(b, item) for b, basket in enumerate(baskets) for item in basket]
    n = len(rows)
    return Interactions(
        users=np.zeros(n, dtype=np.int64), items=np.array([r[1] for r in rows], dtype=np.int64),
        times=np.zeros(n, dtype=np.int64), weights=np.ones(n, dtype=np.float32),
        baskets=np.array([r[0] for r in rows], dtype=np.int64))


@settings(max_examples=200, deadline=None)
@given(baskets=baskets_strategy, min_orders=st.integers(min_value=1, max_value=3),
       top=st.integers(min_value=1, max_value=8))
def test_pairs_match_a_brute_force_count(
    baskets: list[list[int]], min_orders: int, top: int
) -> None:
    sets = [set(b) for b in baskets]
    n = len(sets)
    with_item = {i: sum(i in s for s in sets) for i in set().union(*sets)}
    together = {}
    for s in sets:
        for a, b in combinations(sorted(s), 2):
            together[(a, b)] = together.get((a, b), 0) + 1
            together[(b, a)] = together.get((b, a), 0) + 1
    expected = {k: v for k, v in together.items() if v >= min_orders}

    pairs = bought_together(_interactions(baskets), min_orders=min_orders, top=top)

    by_product: dict[int, list[tuple[int, float, int]]] = {}
    for p in pairs:
        key = (p.product_id, p.other_product_id)
        assert p.orders_together == expected[key]
        assert p.confidence == pytest.approx(expected[key] / with_item[p.product_id])
        assert p.lift == pytest.approx(expected[key] * n / (with_item[p.product_id]
                                                            * with_item[p.other_product_id]))
        assert 0 < p.confidence <= 1
        by_product.setdefault(p.product_id, []).append((p.rank, p.lift, p.orders_together))
    for product, ranked in by_product.items():
        assert [r[0] for r in ranked] == list(range(1, len(ranked) + 1))
        assert [(-r[1], -r[2]) for r in ranked] == sorted((-r[1], -r[2]) for r in ranked)
        partners = sum(1 for (a, _b) in expected if a == product)
        assert len(ranked) == min(top, partners)
    # every product with a qualifying partner is listed
    assert set(by_product) == {a for (a, _b) in expected}


def test_no_orders_no_pairs() -> None:
    assert bought_together(_interactions([])) == []


@pytest.mark.parametrize(("attributes", "expected"), [
    ({}, True),
    (None, True),
    ({"in_stock": True, "stock": 3}, True),
    ({"in_stock": False}, False),
    ({"in_stock": "false"}, False),
    ({"in_stock": "No"}, False),
    ({"in_stock": 0}, False),
    ({"stock": 0}, False),
    ({"stock": -2}, False),
    ({"stock": "0"}, False),
    ({"stock": "many"}, True),
    ({"availability": "OutOfStock"}, False),
    ({"availability": "https://schema.org/OutOfStock"}, False),
    ({"availability": "out of stock"}, False),
    ({"availability": "Sold out"}, False),
    ({"availability": "in stock"}, True),
    ({"availability": "https://schema.org/InStock"}, True),
])
def test_in_stock_rule(attributes: dict[str, object] | None, expected: bool) -> None:
    assert in_stock(attributes) is expected
