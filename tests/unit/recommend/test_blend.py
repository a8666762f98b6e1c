"""The blended recommender's public behaviour on generated shops."""

from __future__ import annotations

import numpy as np
import pytest

from kizuna.recommend import blend
from kizuna.recommend.blend import BlendedRecommender, fit_blend
from kizuna.recommend.contracts import Interactions
from kizuna.recommend.models import top_n

from .synth import repeat_purchases, taste_clusters

FAST = {"factors": 16, "iterations": 6}


@pytest.fixture(scope="module")
def shop() -> Interactions:
    return repeat_purchases(customers=250, products=150)


@pytest.fixture(scope="module")
def model(shop: Interactions) -> BlendedRecommender:
    return fit_blend(shop, **FAST)


def test_weights_form_a_point_of_the_simplex_and_beat_every_single_on_validation(
    model: BlendedRecommender,
) -> None:
    assert set(model.weights) == {"buy_again", "als", "popularity", "trending"}
    assert sum(model.weights.values()) == pytest.approx(1.0)
    singles = {m: v for m, v in model.validation.items() if m != "blend"}
    assert set(singles) == {"buy_again", "als", "popularity", "trending"}
    assert model.validation["blend"] >= max(singles.values())


@pytest.mark.parametrize(("weights", "keep"), [
    ((0.3, 0.4, 0.2, 0.1), True), ((0.0, 0.5, 0.5, 0.0), False), ((1.0, 0.0, 0.0, 0.0), True),
    ((0.0, 1.0, 0.0, 0.0), True), ((0.0, 0.0, 0.3, 0.7), False)])
@pytest.mark.parametrize("slack", [40, 0])  # 0: tiny pools, the bound and fallback work
def test_fast_top_k_equals_dense_ranking(model: BlendedRecommender, weights: tuple[float, ...],
                                         keep: bool, slack: int,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blend, "SLACK", slack)
    other = BlendedRecommender(model.components, weights, keep_owned=keep,
                               single_keep_owned=model.single_keep_owned, validation={},
                               validation_customers=0)
    rows = np.arange(model.data.n_users, dtype=np.int64)
    best, scores, _ = other._top(rows, 10, None)
    dense = other.scores(rows)
    expected = top_n(dense, 10)
    expected_scores = np.take_along_axis(dense, np.maximum(expected, 0), axis=1)
    assert np.allclose(np.where(best >= 0, scores, 0), np.where(expected >= 0,
                                                                expected_scores, 0), atol=1e-5)
    assert (best == expected).mean() > 0.99  # equal scores may swap places


def test_recommend_explains_excludes_and_falls_back_to_popular(
    model: BlendedRecommender, shop: Interactions
) -> None:
    user = int(shop.users[0])
    owned = set(shop.items[shop.users == user].tolist())
    lists = model.recommend([user, -5], n=8)
    mine = lists[user]
    assert len(mine) == 8 and len({r.product_id for r in mine}) == 8
    assert [r.score for r in mine] == sorted((r.score for r in mine), reverse=True)
    assert {r.reason for r in mine} <= {"buy_again", "als", "popular"}
    assert lists[-5] == model.popular(8)  # never seen: cold start
    banned = {mine[0].product_id, mine[1].product_id}
    again = model.recommend([user], n=8, exclude={user: banned})[user]
    assert not banned & {r.product_id for r in again}
    fresh = model.recommend([user], n=8, exclude_owned=True)[user]
    assert not owned & {r.product_id for r in fresh} and len(fresh) == 8


def test_buy_again_reason_marks_re_purchases(model: BlendedRecommender) -> None:
    if model.weights["buy_again"] == 0:
        pytest.skip("validation chose no buy-again weight")
    reasons = [r.reason for _, recs in model.recommend_all(10) for r in recs]
    assert reasons.count("buy_again") > 0


def test_recommend_all_lists_every_training_user_once(model: BlendedRecommender,
                                                      shop: Interactions) -> None:
    seen = [uid for uid, recs in model.recommend_all(5, batch=37) if len(recs) == 5]
    assert sorted(seen) == sorted(set(shop.users.tolist()))


def test_popular_by_category_and_repeat_rate(model: BlendedRecommender,
                                             shop: Interactions) -> None:
    tea = model.popular(5, category="cat1")
    assert tea and all(shop.item_categories[r.product_id] == "cat1" for r in tea)
    assert model.popular(3, trending=True)[0].reason == "popular"
    assert "cat0" in model.categories()
    staple = int(np.bincount(shop.items).argmax())
    assert 0 < model.repeat_rate(staple) <= 1
    assert model.repeat_rate(-1) == 0.0


def test_one_time_purchase_shop_drops_owned_items() -> None:
    data = taste_clusters(customers=300, products=200)
    model = fit_blend(data, **FAST)
    assert not model.keep_owned and model.weights["buy_again"] == 0.0
    user = int(data.users[-1])
    owned = set(data.items[data.users == user].tolist())
    assert not owned & {r.product_id for r in model.recommend([user])[user]}


def test_tiny_and_empty_data_do_not_break() -> None:
    empty = Interactions(users=np.zeros(0, np.int64), items=np.zeros(0, np.int64),
                         times=np.zeros(0, np.int64), weights=np.zeros(0, np.float32),
                         baskets=np.zeros(0, np.int64))
    model = fit_blend(empty, **FAST)
    assert model.recommend([1]) == {1: []} and list(model.recommend_all()) == []
    one = Interactions(users=np.array([1, 1, 2]), items=np.array([5, 6, 5]),
                       times=np.array([1, 2, 3]), weights=np.ones(3, np.float32),
                       baskets=np.array([1, 1, 2]))
    small = fit_blend(one, **FAST)
    assert [r.product_id for r in small.recommend([2], n=5)[2]][:1] in ([5], [6])


def test_a_mix_must_beat_the_best_single_method_by_more_than_noise() -> None:
    from kizuna.recommend.validation import Validation, corner

    rng = np.random.default_rng(0)
    single = (corner("als"), False)
    mix = ((0.0, 0.5, 0.5, 0.0), False)
    base = rng.random(400)
    for gain, expected in ((0.001, single), (0.05, mix)):
        v = Validation([])
        v.per_point = {single: base, mix: base + gain + rng.normal(0, 0.1, 400),
                       (corner("popularity"), True): base - 0.2}
        scores = {p: float(x.mean()) for p, x in v.per_point.items()}
        assert v.select(scores) == expected
        assert scores[v.select(scores)] >= scores[single]  # never below the best single
