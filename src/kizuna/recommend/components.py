"""The blend's ingredients: the single models fitted on one data set, normalised per user.

Buy-again and ALS are divided by the user's largest score over the catalogue, popularity and
trending by their largest item: the best item of every component scores 1. (ALS dot products
can be negative; dividing by the largest keeps the scale without a second pass for the
smallest, which the fast top-k path in ``blend`` could not afford.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from kizuna.recommend.models import ALS, BuyAgain, FloatArray, IntArray, Popularity, Prepared

COMPONENTS = ("buy_again", "als", "popularity", "trending")
REASONS = {"buy_again": "buy_again", "als": "als", "popularity": "popular",
           "trending": "popular"}
TAIL = 1e-6  # popularity breaks ties: items no component scores come in popularity order


def _unit(values: FloatArray) -> FloatArray:
    top = float(values.max()) if values.size else 0.0
    return (values / top).astype(np.float32) if top > 0 else np.zeros_like(values)


def als_scale(peak: FloatArray) -> FloatArray:
    """What ALS scores are divided by: the user's largest, 1 when that is not positive."""
    return np.where(peak > 1e-12, peak, 1.0).astype(np.float32)


class Components:
    """Popularity, trending, buy-again and ALS fitted on ``data``."""

    def __init__(self, data: Prepared, *, factors: int, iterations: int, seed: int,
                 progress: Callable[[str], None] | None = None) -> None:
        self.data = data
        self.factors = factors
        self.popularity = Popularity(data)
        self.buy_again = BuyAgain(data)
        if progress:
            progress(f"ALS: {data.counts.nnz:,} customer-product pairs, {factors} factors")
        self.als = ALS(data, factors=factors, iterations=iterations, seed=seed)
        self.pop_norm = _unit(self.popularity.buyers)
        self.trend_norm = _unit(self.popularity.trending)

    def normalised(self, rows: IntArray) -> tuple[FloatArray, FloatArray]:
        """Dense buy-again and ALS scores of ``rows``, each scaled per user to [0, 1]."""
        ba = self.buy_again_block(rows).toarray()
        als = self.als_scores(rows)
        if als.shape[1]:
            als /= als_scale(als.max(axis=1))[:, None]
        return ba, als

    def buy_again_block(self, rows: IntArray) -> sp.csr_matrix:
        """Sparse buy-again scores of ``rows`` divided by each user's largest (unknown users:
        empty rows)."""
        safe = np.where(rows >= 0, rows, 0)
        block = self.buy_again.matrix[safe].tocsr()
        if (rows < 0).any():
            block = (sp.diags((rows >= 0).astype(np.float32)) @ block).tocsr()
            block.eliminate_zeros()
        if block.nnz:
            peak = np.asarray(block.max(axis=1).todense(), dtype=np.float32).ravel()
            block = (sp.diags(1.0 / np.where(peak > 0, peak, 1.0)) @ block).tocsr()
        return block.astype(np.float32)

    def als_scores(self, rows: IntArray) -> FloatArray:
        """Raw ALS scores (dot products) of ``rows``; unknown users get zeros."""
        safe = np.where(rows >= 0, rows, 0)
        scores: FloatArray = self.als.user_factors[safe] @ self.als.item_factors.T
        scores[rows < 0] = 0.0
        return scores
