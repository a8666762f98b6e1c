"""The single recommenders: popularity (and trending, and per category), buy-again, and ALS.

Every model is fit on one :class:`Prepared` (the interactions with their id <-> matrix-index
mapping) and scores a batch of user rows against every item: ``score(rows)`` returns a dense
``(len(rows), n_items)`` float32 array, ``-inf`` where the model has no opinion. Ranking,
exclusions and blending live in ``blend``; metrics in ``evaluate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from kizuna.recommend.contracts import Interactions

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
DAY = 86_400.0
BUY_AGAIN_HALF_LIFE_DAYS = 90.0
TRENDING_HALF_LIFE_DAYS = 30.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """Interactions mapped to matrix indices. ``user_ids`` / ``item_ids`` are sorted unique
    external ids; row ``r`` of every matrix is user ``user_ids[r]``."""

    user_ids: IntArray
    item_ids: IntArray
    rows: IntArray  # per interaction: user row
    cols: IntArray  # per interaction: item column
    times: IntArray
    baskets: IntArray
    counts: sp.csr_matrix  # interactions per (user, item)
    now: int
    item_categories: dict[int, str]

    @property
    def n_users(self) -> int:
        return int(self.user_ids.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.item_ids.shape[0])

    def user_rows(self, user_ids: Sequence[int] | IntArray) -> IntArray:
        """Matrix row of each user id, -1 for users never seen."""
        wanted = np.asarray(user_ids, dtype=np.int64)
        if self.n_users == 0:
            return np.full(wanted.shape, -1, dtype=np.int64)
        pos = np.searchsorted(self.user_ids, wanted)
        pos = np.minimum(pos, self.n_users - 1)
        return np.where(self.user_ids[pos] == wanted, pos, -1).astype(np.int64)

    def decayed(self, half_life_days: float) -> sp.csr_matrix:
        """Per (user, item): sum over interactions of 0.5 ** (age / half-life)."""
        if math.isinf(half_life_days):
            return self.counts.copy()
        age = np.maximum(self.now - self.times, 0).astype(np.float64) / DAY
        decay = np.power(0.5, age / half_life_days)
        return self._matrix(decay)

    def _matrix(self, values: npt.NDArray[np.float64]) -> sp.csr_matrix:
        m = sp.csr_matrix((values.astype(np.float32), (self.rows, self.cols)),
                          shape=(self.n_users, self.n_items), dtype=np.float32)
        m.sum_duplicates()
        return m


def prepare(interactions: Interactions, *, now: int | None = None) -> Prepared:
    """Index the interactions; ``now`` (epoch seconds) defaults to the last interaction."""
    user_ids, rows = np.unique(interactions.users, return_inverse=True)
    item_ids, cols = np.unique(interactions.items, return_inverse=True)
    times = interactions.times.astype(np.int64)
    at = int(now if now is not None else (times.max() if times.size else 0))
    counts = sp.csr_matrix((np.ones(rows.shape[0], dtype=np.float32), (rows, cols)),
                           shape=(user_ids.shape[0], item_ids.shape[0]), dtype=np.float32)
    counts.sum_duplicates()
    return Prepared(user_ids=user_ids.astype(np.int64), item_ids=item_ids.astype(np.int64),
                    rows=rows.astype(np.int64), cols=cols.astype(np.int64), times=times,
                    baskets=interactions.baskets.astype(np.int64), counts=counts, now=at,
                    item_categories=dict(interactions.item_categories))


def subset(interactions: Interactions, mask: npt.NDArray[np.bool_]) -> Interactions:
    """The interactions where ``mask`` is true (same categories and name)."""
    return Interactions(users=interactions.users[mask], items=interactions.items[mask],
                        times=interactions.times[mask], weights=interactions.weights[mask],
                        baskets=interactions.baskets[mask],
                        item_categories=interactions.item_categories, name=interactions.name)


class Popularity:
    """Distinct buyers per item; ``trending`` weights each buyer by the recency of their last
    interaction (half-life ``trending_half_life_days``)."""

    name = "popularity"

    def __init__(self, data: Prepared, *,
                 trending_half_life_days: float = TRENDING_HALF_LIFE_DAYS) -> None:
        self.data = data
        buyers = data.counts.copy()
        buyers.data = np.ones_like(buyers.data)
        self.buyers: FloatArray = np.asarray(buyers.sum(axis=0), dtype=np.float32).ravel()
        recent = data.decayed(trending_half_life_days)
        recent.data = np.minimum(recent.data, 1.0)
        self.trending: FloatArray = np.asarray(recent.sum(axis=0), dtype=np.float32).ravel()

    def score(self, rows: IntArray) -> FloatArray:
        return np.broadcast_to(self.buyers, (rows.shape[0], self.data.n_items)).copy()

    def top(self, n: int, *, category: str | None = None,
            trending: bool = False) -> list[tuple[int, float]]:
        """The ``n`` most popular items (of ``category`` if given): (item id, score)."""
        scores = (self.trending if trending else self.buyers).astype(np.float64)
        if category is not None:
            cats = self.data.item_categories
            keep = np.array([cats.get(int(i)) == category for i in self.data.item_ids],
                            dtype=bool)
            scores = np.where(keep, scores, -np.inf)
        order = np.lexsort((self.data.item_ids, -scores))[:n]
        return [(int(self.data.item_ids[c]), float(scores[c]))
                for c in order if np.isfinite(scores[c]) and scores[c] > 0]

    def categories(self) -> list[str]:
        present = {self.data.item_categories.get(int(i)) for i in self.data.item_ids}
        return sorted(c for c in present if c)


class BuyAgain:
    """The customer's own purchase frequency, each purchase decayed with a half-life: the
    strongest signal for repeat-purchase businesses. Scores only items the user already has."""

    name = "buy_again"

    def __init__(self, data: Prepared, *,
                 half_life_days: float = BUY_AGAIN_HALF_LIFE_DAYS) -> None:
        self.data = data
        self.matrix = data.decayed(half_life_days)

    def score(self, rows: IntArray) -> FloatArray:
        out = np.full((rows.shape[0], self.data.n_items), -np.inf, dtype=np.float32)
        known = rows >= 0
        if known.any():
            block = self.matrix[rows[known]].tocoo()
            target = out[known]
            target[block.row, block.col] = block.data
            out[known] = target
        return out


class ALS:
    """Implicit-feedback matrix factorisation (``implicit``'s ALS, CPU). The preference matrix
    is 1 + log(interactions) per (user, item), scaled by ``alpha`` into ALS's confidence
    1 + alpha * r (BM25 weighting was tried and lost on MovieLens: its idf discounts the
    popular items a time-based split rewards)."""

    name = "als"

    def __init__(self, data: Prepared, *, factors: int = 64, iterations: int = 15,
                 regularization: float = 10.0, alpha: float = 10.0, seed: int = 7,
                 threads: int = 0,
                 show_progress: bool = False) -> None:
        from implicit.als import AlternatingLeastSquares  # type: ignore[import-untyped]
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        self.data = data
        self.user_factors: FloatArray
        self.item_factors: FloatArray
        if data.n_users == 0 or data.n_items == 0 or data.counts.nnz == 0:
            self.user_factors = np.zeros((data.n_users, factors), dtype=np.float32)
            self.item_factors = np.zeros((data.n_items, factors), dtype=np.float32)
            return
        weighted = data.counts.copy()
        weighted.data = 1.0 + np.log(weighted.data)
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=factors, regularization=regularization, alpha=alpha,
                iterations=iterations, random_state=seed, num_threads=threads, use_gpu=False)
            model.fit(weighted.astype(np.float32), show_progress=show_progress)
        self.user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)

    def score(self, rows: IntArray) -> FloatArray:
        out = np.full((rows.shape[0], self.data.n_items), -np.inf, dtype=np.float32)
        known = rows >= 0
        if known.any():
            out[known] = self.user_factors[rows[known]] @ self.item_factors.T
        return out


def top_n(scores: FloatArray, n: int) -> IntArray:
    """Column indices of the ``n`` best finite scores per row, best first (-1 pads)."""
    b, m = scores.shape
    n_eff = min(n, m)
    if n_eff <= 0 or b == 0:
        return np.full((b, max(n, 0)), -1, dtype=np.int64)
    if n_eff < m:
        part = np.argpartition(-scores, n_eff - 1, axis=1)[:, :n_eff]
    else:
        part = np.tile(np.arange(m), (b, 1))
    picked = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-picked, axis=1, kind="stable")
    best = np.take_along_axis(part, order, axis=1).astype(np.int64)
    finite = np.isfinite(np.take_along_axis(scores, best, axis=1))
    best = np.where(finite, best, -1)
    if n_eff < n:
        best = np.hstack([best, np.full((b, n - n_eff), -1, dtype=np.int64)])
    return best


def owned_mask(data: Prepared, rows: IntArray) -> npt.NDArray[np.bool_]:
    """True where the user of that row already interacted with the item."""
    mask = np.zeros((rows.shape[0], data.n_items), dtype=bool)
    known = rows >= 0
    if known.any():
        block = data.counts[rows[known]].tocoo()
        target = mask[known]
        target[block.row, block.col] = True
        mask[known] = target
    return mask


def repeat_rates(data: Prepared) -> dict[int, float]:
    """Per item: share of its buyers who bought it in two or more different baskets."""
    if data.rows.size == 0:
        return {}
    pairs = np.unique(np.stack([data.rows, data.cols, data.baskets]), axis=1)
    per_user_item = sp.csr_matrix(
        (np.ones(pairs.shape[1], dtype=np.float32), (pairs[0], pairs[1])),
        shape=(data.n_users, data.n_items))
    per_user_item.sum_duplicates()
    coo = per_user_item.tocoo()
    buyers = np.bincount(coo.col, minlength=data.n_items)
    repeaters = np.bincount(coo.col, weights=(coo.data >= 2).astype(np.float64),
                            minlength=data.n_items)
    return {int(data.item_ids[c]): float(repeaters[c] / buyers[c])
            for c in range(data.n_items) if buyers[c]}


Progress = Callable[[str], None]
