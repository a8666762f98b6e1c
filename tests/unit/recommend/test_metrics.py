"""Ranking metrics on hand-computed examples, and their properties."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.recommend.metrics import coverage, ranking_metrics


def test_hand_computed_example() -> None:
    # user 0: hits at ranks 1 and 3 of 5, 4 relevant items; user 1: one hit at rank 2, 1 relevant
    hits = np.array([[1, 0, 1, 0, 0], [0, 1, 0, 0, 0]], dtype=bool)
    precision, recall, ndcg = ranking_metrics(hits, np.array([4, 1]), 5)
    assert precision.tolist() == [0.4, 0.2]
    assert recall.tolist() == [0.5, 1.0]
    dcg0 = 1 + 1 / math.log2(4)
    idcg0 = 1 + 1 / math.log2(3) + 1 / math.log2(4) + 1 / math.log2(5)
    assert math.isclose(ndcg[0], dcg0 / idcg0)
    assert math.isclose(ndcg[1], (1 / math.log2(3)) / 1.0)


def test_short_lists_count_against_precision_and_no_relevant_scores_zero() -> None:
    hits = np.array([[1, 0, 0], [0, 0, 0]], dtype=bool)
    precision, recall, ndcg = ranking_metrics(hits, np.array([1, 0]), 10)
    assert precision.tolist() == [0.1, 0.0]
    assert recall.tolist() == [1.0, 0.0] and ndcg.tolist() == [1.0, 0.0]


def test_coverage_counts_distinct_items_and_ignores_padding() -> None:
    recommended = np.array([[1, 2, -1], [2, 3, -1]])
    assert coverage(recommended, 10) == 0.3
    assert coverage(np.full((2, 3), -1), 10) == 0.0
    assert coverage(recommended, 0) == 0.0


hit_rows = st.lists(st.lists(st.booleans(), min_size=10, max_size=10), min_size=1, max_size=20)


@settings(max_examples=100, deadline=None)
@given(hit_rows, st.data())
def test_metrics_lie_in_unit_interval(rows: list[list[bool]], data: st.DataObject) -> None:
    hits = np.array(rows, dtype=bool)
    found = hits.sum(axis=1)
    n_rel = np.array([data.draw(st.integers(int(f), int(f) + 20)) for f in found])
    for values in ranking_metrics(hits, n_rel, 10):
        assert np.all(values >= 0) and np.all(values <= 1 + 1e-12)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10), st.integers(0, 10))
def test_perfect_ranking_has_ndcg_one(relevant: int, extra: int) -> None:
    # all relevant items first (as many as fit in k), whatever the list continues with
    k = 10
    hits = np.zeros((1, k), dtype=bool)
    hits[0, : min(relevant, k)] = True
    assert math.isclose(ranking_metrics(hits, np.array([relevant]), k)[2][0], 1.0)
    moved = np.roll(hits, 1, axis=1) if relevant < k else hits
    if relevant < k:
        assert ranking_metrics(moved, np.array([relevant]), k)[2][0] < 1.0


@settings(max_examples=100, deadline=None)
@given(hit_rows)
def test_user_order_does_not_matter_and_precision_ignores_rank_order(
    rows: list[list[bool]],
) -> None:
    hits = np.array(rows, dtype=bool)
    n_rel = hits.sum(axis=1) + 1
    perm = np.random.default_rng(len(rows)).permutation(len(rows))
    base = ranking_metrics(hits, n_rel, 10)
    shuffled = ranking_metrics(hits[perm], n_rel[perm], 10)
    for a, b in zip(base, shuffled, strict=True):
        assert np.allclose(a[perm], b)
    within = hits[:, np.random.default_rng(7).permutation(10)]  # reorder inside each list
    p2, r2, _ = ranking_metrics(within, n_rel, 10)
    assert np.allclose(base[0], p2) and np.allclose(base[1], r2)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.booleans(), min_size=10, max_size=10), st.integers(0, 8))
def test_moving_a_hit_up_never_lowers_ndcg(row: list[bool], i: int) -> None:
    hits = np.array([row], dtype=bool)
    n_rel = np.array([int(hits.sum()) + 1])
    if hits[0, i + 1] and not hits[0, i]:
        up = hits.copy()
        up[0, i], up[0, i + 1] = True, False
        assert ranking_metrics(up, n_rel, 10)[2][0] >= ranking_metrics(hits, n_rel, 10)[2][0]
