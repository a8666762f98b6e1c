"""The single recommenders and the id <-> index mapping, on small hand-made data."""

from __future__ import annotations

import numpy as np

from kizuna.recommend.contracts import Interactions
from kizuna.recommend.models import (
    DAY,
    BuyAgain,
    Popularity,
    owned_mask,
    prepare,
    repeat_rates,
    top_n,
)

T = 1_700_000_000


def _data(rows: list[tuple[int, int, int, int]], cats: dict[int, str] | None = None
          ) -> Interactions:
    """rows: (user, item, day, basket)."""
    a = np.array(rows, dtype=np.int64)
    return Interactions(users=a[:, 0], items=a[:, 1], times=T + a[:, 2] * int(DAY),
                        weights=np.ones(len(rows), dtype=np.float32), baskets=a[:, 3],
                        item_categories=cats or {})


SHOP = _data([
    (1, 10, 0, 1), (1, 10, 5, 2), (1, 10, 9, 3), (1, 20, 9, 3),   # 1 re-buys 10
    (2, 20, 1, 4), (2, 30, 1, 4), (2, 20, 8, 5),                  # 2 re-buys 20
    (3, 30, 2, 6), (3, 40, 99, 7),                                # 40 bought only lately
], cats={10: "tea", 20: "tea", 30: "coffee", 40: "coffee"})


def test_user_rows_map_ids_and_flag_unknown_users() -> None:
    data = prepare(SHOP)
    assert data.user_ids.tolist() == [1, 2, 3] and data.item_ids.tolist() == [10, 20, 30, 40]
    assert data.user_rows([3, 1, 99]).tolist() == [2, 0, -1]
    assert prepare(_data([(5, 1, 0, 1)])).user_rows([4, 6]).tolist() == [-1, -1]


def test_popularity_counts_distinct_buyers_per_category_and_trending() -> None:
    pop = Popularity(prepare(SHOP))
    assert pop.buyers.tolist() == [1, 2, 2, 1]  # re-buying does not count twice
    assert [i for i, _ in pop.top(2)] == [20, 30]  # ties by item id
    assert [i for i, _ in pop.top(5, category="coffee")] == [30, 40]
    assert pop.top(5, category="none") == []
    assert pop.top(1, trending=True)[0][0] == 40  # the only purchase near "now"
    assert pop.categories() == ["coffee", "tea"]


def test_buy_again_scores_only_owned_items_with_recency_decay() -> None:
    data = prepare(SHOP)
    scores = BuyAgain(data, half_life_days=30).score(data.user_rows([1, 99]))
    owned = np.isfinite(scores[0])
    assert data.item_ids[owned].tolist() == [10, 20]
    assert scores[0, 0] > scores[0, 1] > 0  # bought three times vs once
    assert not np.isfinite(scores[1]).any()  # unknown user: no opinion
    fresh = BuyAgain(data, half_life_days=1).score(data.user_rows([1]))
    assert fresh[0, 0] < 3 * fresh[0, 1]  # old purchases fade


def test_repeat_rate_counts_buyers_with_two_baskets() -> None:
    rates = repeat_rates(prepare(SHOP))
    # 10: its one buyer bought it in 3 orders; 20: user 1 once, user 2 in two orders
    assert rates == {10: 1.0, 20: 0.5, 30: 0.0, 40: 0.0}


def test_top_n_orders_best_first_and_pads() -> None:
    scores = np.array([[0.1, 0.9, -np.inf, 0.5], [-np.inf] * 4], dtype=np.float32)
    assert top_n(scores, 3).tolist() == [[1, 3, 0], [-1, -1, -1]]
    assert top_n(scores, 6)[0].tolist() == [1, 3, 0, -1, -1, -1]


def test_owned_mask_marks_bought_items() -> None:
    data = prepare(SHOP)
    assert owned_mask(data, data.user_rows([2, 99])).tolist() == [
        [False, True, True, False], [False, False, False, False]]
