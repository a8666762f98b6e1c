"""The blended recommender: buy-again, ALS, popularity and trending, weighted on validation.

Every component is normalised per user (``components``: its best item scores 1) and the blend
is their weighted sum; a tiny popularity term fills the tail. The weights are chosen on up to
``VALIDATION_FOLDS`` rolling validation folds carved from the training data by time (``split``:
one global cut, or each customer's last interactions; each fold validates on the last
``VALIDATION_FRACTION`` of the previous fold's fitting part). Folds are added only while they
hold fewer than ``MAX_VALIDATION_USERS`` customers: small or bursty data gets more evidence,
large data pays for one fold. The search (``validation.Validation.search``) is a coarse grid
over the simplex in fifths that includes every single method as a corner, crossed with whether
items the customer already has may be recommended, then hill climbing in tenths from the best
point, scoring mean NDCG@k over every (fold, customer). ``Validation.select`` takes the best
point unless it is a mix that beats the best single method by no more than one paired standard
error, then that single method; so on validation the blend is never worse than the best single
method. On small data sets (<= ``FACTOR_SEARCH_LIMIT`` interactions) the number of ALS factors
is chosen on the same folds among ``factors`` / 4, / 2 and ``factors`` (ALS alone, by NDCG@k).
Every model is then refit on all the training data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime

import numpy as np
import scipy.sparse as sp

from kizuna.recommend.components import COMPONENTS, REASONS, TAIL, Components, als_scale
from kizuna.recommend.contracts import Interactions, Recommendation
from kizuna.recommend.models import FloatArray, IntArray, owned_mask, prepare, repeat_rates, top_n
from kizuna.recommend.validation import (
    Point,
    Split,
    Validation,
    ValidationPools,
    Weights,
    corner,
    held_out,
    split_by,
    time_split,
)

VALIDATION_FRACTION = 0.2
MAX_VALIDATION_USERS = 3000
MIN_VALIDATION_USERS = 5
VALIDATION_FOLDS = 3
FACTOR_SEARCH_LIMIT = 500_000
SLACK = 40  # extra ALS candidates per user in the fast top-k path
MIN_BLOCK = 8192
SINGLE_METHODS = ("popularity", "trending", "buy_again", "als")


class BlendedRecommender:
    """Buy-again + ALS + popularity + trending with validated weights (module docstring)."""

    def __init__(self, components: Components, weights: Weights, *, keep_owned: bool,
                 single_keep_owned: Mapping[str, bool], validation: Mapping[str, float],
                 validation_customers: int) -> None:
        self.components = components
        self.data = components.data
        self._weights = weights
        self.keep_owned = keep_owned
        self.single_keep_owned = dict(single_keep_owned)
        self.validation = dict(validation)  # NDCG@k on validation, per method and "blend"
        self.validation_customers = validation_customers
        self._repeat: dict[int, float] | None = None
        w = self.weights
        c = components
        # The part of the blend that is the same for every user, and its ranking.
        self._static: FloatArray = ((w["popularity"] + TAIL) * c.pop_norm
                                    + w["trending"] * c.trend_norm).astype(np.float32)
        self._static_order: IntArray = np.argsort(-self._static, kind="stable").astype(np.int64)

    @property
    def weights(self) -> dict[str, float]:
        return dict(zip(COMPONENTS, self._weights, strict=True))

    @property
    def factors(self) -> int:
        return self.components.factors

    # -- scoring -----------------------------------------------------------------------
    def scores(self, rows: IntArray, method: str = "blend") -> FloatArray:
        """Dense ranking scores of ``rows`` for ``method`` (``blend`` or one of
        ``SINGLE_METHODS``), ``-inf`` for items the method will not recommend."""
        c = self.components
        if method == "blend":
            return self._blend(rows)
        if method == "buy_again":
            return c.buy_again.score(rows)
        if method == "als":
            out = c.als_scores(rows)
        elif method in ("popularity", "trending"):
            vector = c.pop_norm if method == "popularity" else c.trend_norm
            out = np.broadcast_to(vector + TAIL * c.pop_norm,
                                  (rows.shape[0], self.data.n_items)).copy()
        else:
            raise ValueError(f"unknown method {method!r}")
        return self._drop_owned(out, rows, self.single_keep_owned[method])

    def _blend(self, rows: IntArray) -> FloatArray:
        """Dense blend scores (the reference the fast path below must agree with)."""
        c = self.components
        w = self.weights
        out = c.als_scores(rows)
        if self.data.n_items:
            out *= (w["als"] / als_scale(out.max(axis=1)))[:, None]
        out += self._static
        ba = c.buy_again_block(rows)
        if w["buy_again"] and ba.nnz:
            coo = ba.tocoo()
            out[coo.row, coo.col] += w["buy_again"] * coo.data
        return self._drop_owned(out, rows, self.keep_owned)

    def _drop_owned(self, scores: FloatArray, rows: IntArray, keep: bool) -> FloatArray:
        if not keep:
            scores[owned_mask(self.data, rows)] = -np.inf
        return scores

    def rank(self, rows: IntArray, n: int, method: str = "blend") -> IntArray:
        """Item columns of the top ``n`` per row for ``method`` (-1 pads)."""
        return top_n(self.scores(rows, method), n)

    # -- public API used by the storage/serving half ----------------------------------
    def recommend(self, user_ids: Sequence[int], n: int = 10, *,
                  exclude: Mapping[int, set[int]] | None = None,
                  exclude_owned: bool = False) -> dict[int, list[Recommendation]]:
        """Top ``n`` per user; users unseen in training get the popular list. ``exclude``
        maps a user to product ids never to show; ``exclude_owned`` also drops what the user
        already bought."""
        ids = [int(u) for u in user_ids]
        rows = self.data.user_rows(ids)
        out: dict[int, list[Recommendation]] = {}
        for i, uid in enumerate(ids):
            if rows[i] < 0:
                banned = (exclude or {}).get(uid, set())
                out[uid] = [r for r in self.popular(n + len(banned))
                            if r.product_id not in banned][:n]
        known = [i for i, r in enumerate(rows) if r >= 0]
        if not known:
            return out
        krows = rows[known]
        banned_rows: list[IntArray] = [
            self._columns((exclude or {}).get(ids[i], set())) for i in known]
        extra = sp.csr_matrix(
            (np.ones(sum(len(b) for b in banned_rows), dtype=np.float32),
             np.concatenate([np.zeros(1, dtype=np.int64), *banned_rows])[1:]
             if banned_rows else np.zeros(0, dtype=np.int64),
             np.concatenate([[0], np.cumsum([len(b) for b in banned_rows])])),
            shape=(len(known), self.data.n_items))
        if exclude_owned:
            extra = extra + self.components.buy_again_block(krows)
        lists = self._explain(krows, *self._top(krows, n, extra))
        for j, i in enumerate(known):
            out[ids[i]] = lists[j]
        return out

    def recommend_all(self, n: int = 10,
                      batch: int = 2000) -> Iterator[tuple[int, list[Recommendation]]]:
        """Every user seen in training with their top ``n``, scored ``batch`` users at a time
        (at least ``MIN_BLOCK``: implicit's top-k parallelises better over large blocks)."""
        block = max(batch, MIN_BLOCK)
        for start in range(0, self.data.n_users, block):
            rows = np.arange(start, min(start + block, self.data.n_users), dtype=np.int64)
            lists = self._explain(rows, *self._top(rows, n, None))
            for j, row in enumerate(rows):
                yield int(self.data.user_ids[row]), lists[j]

    def popular(self, n: int = 10, category: str | None = None,
                trending: bool = False) -> list[Recommendation]:
        """Cold start: the most popular (or trending) products, optionally of a category."""
        return [Recommendation(product_id=item, score=score, reason="popular")
                for item, score in self.components.popularity.top(
                    n, category=category, trending=trending)]

    def categories(self) -> list[str]:
        """Categories with at least one product in the training data."""
        return self.components.popularity.categories()

    def repeat_rate(self, item_id: int) -> float:
        """Share of an item's buyers who bought it in two or more different baskets."""
        if self._repeat is None:
            self._repeat = repeat_rates(self.data)
        return self._repeat.get(int(item_id), 0.0)

    # -- helpers ----------------------------------------------------------------------
    def _columns(self, item_ids: set[int]) -> IntArray:
        if not item_ids or not self.data.n_items:
            return np.zeros(0, dtype=np.int64)
        wanted = np.fromiter(item_ids, dtype=np.int64, count=len(item_ids))
        pos = np.minimum(np.searchsorted(self.data.item_ids, wanted), self.data.n_items - 1)
        found: IntArray = pos[self.data.item_ids[pos] == wanted].astype(np.int64)
        return found

    def _top(self, rows: IntArray, n: int,
             banned: sp.csr_matrix | None) -> tuple[IntArray, FloatArray, FloatArray]:
        """Top ``n`` blend columns and scores per row without scoring the whole catalogue
        densely: candidates are each user's best ``n + SLACK`` by ALS (``implicit``'s top-k,
        with banned items filtered), the best of the static popularity part, and the items
        the user owns (buy-again). A row whose n-th candidate does not beat the bound on
        every other item is re-ranked densely, so the result equals the dense ranking."""
        from implicit.cpu.topk import topk  # type: ignore[import-untyped]
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        c, w, data = self.components, self.weights, self.data
        b, m = rows.shape[0], data.n_items
        owned = c.buy_again_block(rows)
        if not self.keep_owned:
            banned = owned if banned is None else banned + owned
        if banned is not None:
            banned = banned.tocsr()
            banned.data = np.ones_like(banned.data)
            banned.eliminate_zeros()
        depth = min(m, n + SLACK)
        user_f = np.ascontiguousarray(c.als.user_factors[rows])
        if depth == 0 or b == 0:
            return (np.full((b, n), -1, dtype=np.int64), np.full((b, n), -np.inf, np.float32),
                    np.ones(b, dtype=np.float32))
        with threadpool_limits(1, "blas"):  # implicit's own threads; BLAS ones would fight
            als_ids, als_vals = topk(c.als.item_factors, user_f, depth,
                                     filter_query_items=banned, num_threads=0)
        peak = als_vals[:, 0].astype(np.float32)
        if banned is not None and banned.nnz:  # the scale is the largest over all items
            coo = banned.tocoo()
            at = np.einsum("ij,ij->i", user_f[coo.row], c.als.item_factors[coo.col])
            np.maximum.at(peak, coo.row, at.astype(np.float32))
        scale = als_scale(peak)
        widest = int(np.diff(banned.indptr).max()) if banned is not None and banned.nnz else 0
        static_take = self._static_order[:min(m, depth + widest)]
        item_f = c.als.item_factors
        # Candidates with their ALS dot products: topk's own, one small GEMM for the static
        # list (the same for every user), and only the taken pairs for owned items.
        real = np.asarray(als_vals) > -1e30  # topk pads with -FLT_MAX when it runs out
        cand = [np.where(real, np.asarray(als_ids, dtype=np.int64), -1),
                np.broadcast_to(static_take, (b, static_take.shape[0]))]
        dots = [np.where(real, als_vals, 0.0).astype(np.float32), user_f @ item_f[static_take].T]
        ba_bound = np.zeros(b, dtype=np.float64)
        if w["buy_again"] and self.keep_owned and owned.nnz:  # each user's best owned items
            lengths = np.diff(owned.indptr)
            row_of = np.repeat(np.arange(b), lengths)
            by_score = np.lexsort((-owned.data, row_of))
            rank = np.arange(owned.nnz) - np.repeat(owned.indptr[:-1], lengths)
            taken = rank < depth
            width = min(depth, int(lengths.max()))
            pad = np.full((b, width), -1, dtype=np.int64)
            pad_dots = np.zeros((b, width), dtype=np.float32)
            t_rows, t_cols = row_of[taken], owned.indices[by_score][taken]
            pad[t_rows, rank[taken]] = t_cols
            pad_dots[t_rows, rank[taken]] = np.einsum("ij,ij->i", user_f[t_rows], item_f[t_cols])
            cand.append(pad)
            dots.append(pad_dots)
            left = rank == depth
            ba_bound[row_of[left]] = owned.data[by_score][left]
        pool = np.hstack(cand)
        arrange = np.argsort(pool, axis=1, kind="stable")
        pool = np.take_along_axis(pool, arrange, axis=1)
        als_pool = np.take_along_axis(np.hstack(dots), arrange, axis=1)
        invalid = pool < 0
        invalid[:, 1:] |= pool[:, 1:] == pool[:, :-1]
        safe = np.maximum(pool, 0)
        if banned is not None and banned.nnz:
            invalid |= np.asarray(banned[np.arange(b)[:, None], safe].todense()) > 0
        score = w["als"] * als_pool / scale[:, None] + self._static[safe]
        if w["buy_again"] and owned.nnz:
            score += w["buy_again"] * np.asarray(owned[np.arange(b)[:, None], safe].todense())
        score = np.where(invalid, -np.inf, score).astype(np.float32)
        order = top_n(score, n)
        best = np.where(order >= 0, np.take_along_axis(pool, np.maximum(order, 0), axis=1), -1)
        best_scores = np.where(order >= 0, np.take_along_axis(score, np.maximum(order, 0),
                                                              axis=1), -np.inf)
        # Bound on any item outside the pool: ALS at most the depth-th allowed, static at
        # most the first one not taken, buy-again at most the first owned one not taken.
        last = np.asarray(als_vals[:, -1], dtype=np.float64)
        als_bound = np.where(np.isfinite(last) & (last > -1e30), last / scale, -np.inf)
        static_bound = (float(self._static[self._static_order[static_take.shape[0]]])
                        if static_take.shape[0] < m else -np.inf)
        bound = (w["als"] * als_bound if w["als"] else np.where(
            np.isfinite(als_bound), 0.0, -np.inf)) + static_bound + w["buy_again"] * ba_bound
        unsure = np.flatnonzero((best_scores[:, -1] < bound) & (depth < m))
        if unsure.size:
            dense = self._blend(rows[unsure])
            if banned is not None:
                dense[np.asarray(banned[unsure].todense()) > 0] = -np.inf
            fix = top_n(dense, n)
            best[unsure] = fix
            best_scores[unsure] = np.where(
                fix >= 0, np.take_along_axis(dense, np.maximum(fix, 0), axis=1), -np.inf)
        return best.astype(np.int64), best_scores.astype(np.float32), scale

    def _explain(self, rows: IntArray, best: IntArray, best_scores: FloatArray,
                 scale: FloatArray) -> list[list[Recommendation]]:
        """Recommendations of each row; the reason is the largest weighted component."""
        c = self.components
        w = self.weights
        b = rows.shape[0]
        safe = np.maximum(best, 0)
        user_f = c.als.user_factors[np.maximum(rows, 0)]
        als_at = np.einsum("bf,bnf->bn", user_f, c.als.item_factors[safe])
        owned = c.buy_again_block(rows)
        ba_at = (np.asarray(owned[np.arange(b)[:, None], safe].todense(), dtype=np.float32)
                 if owned.nnz else np.zeros(best.shape, dtype=np.float32))
        contrib = np.stack([
            w["buy_again"] * ba_at,
            w["als"] * als_at / scale[:, None],
            w["popularity"] * c.pop_norm[safe],
            w["trending"] * c.trend_norm[safe],
        ])
        leader = contrib.argmax(axis=0)
        labels = np.array([REASONS[name] for name in COMPONENTS] + ["popular"], dtype=object)
        leader = np.where(contrib.max(axis=0) > 0, leader, len(COMPONENTS))
        items = np.where(best >= 0, self.data.item_ids[safe], -1).tolist()
        reasons = labels[leader].tolist()
        values = best_scores.astype(np.float64).tolist()
        keep = ((best >= 0) & np.isfinite(best_scores)).tolist()
        return [[Recommendation(product_id=item, score=value, reason=reason)
                 for item, value, reason, ok in zip(ri, rv, rr, rk, strict=True) if ok]
                for ri, rv, rr, rk in zip(items, values, reasons, keep, strict=True)]


def _default(interactions: Interactions) -> Point:
    """Too little history to validate: keep owned items iff customers re-buy."""
    rates = repeat_rates(prepare(interactions))
    repeats = float(np.mean(list(rates.values()))) if rates else 0.0
    if repeats >= 0.05:
        return (0.4, 0.4, 0.2, 0.0), True
    return (0.0, 0.8, 0.2, 0.0), False


def _factor_choices(factors: int, n: int) -> list[int]:
    if n > FACTOR_SEARCH_LIMIT:
        return [factors]
    return sorted({max(8, factors // 4), max(8, factors // 2), factors})


def _validation_folds(interactions: Interactions, split: Split,
                      folds: int) -> Iterator[tuple[Interactions, Interactions]]:
    """Up to ``folds`` (fit, validate) pairs: the last ``VALIDATION_FRACTION`` of
    ``interactions`` by ``split``, then the last fraction of what is left, and so on
    (rolling origin, each fold older than the one before)."""
    rest = interactions
    for _ in range(folds):
        fit_part, valid_part, _ = split_by(rest, VALIDATION_FRACTION, split)
        if len(fit_part) == 0 or len(valid_part) == 0:
            return
        yield fit_part, valid_part
        rest = fit_part


def fit_blend(interactions: Interactions, *, now: datetime | None = None, k: int = 10,
              factors: int = 64, iterations: int = 15, seed: int = 7,
              split: Split = "global", folds: int = VALIDATION_FOLDS,
              progress: Callable[[str], None] | None = None) -> BlendedRecommender:
    """Fit buy-again, ALS, popularity and trending, choose the blend's weights on ``folds``
    time-based validation splits (``split``: ``global`` or ``per_user``) of
    ``interactions``, then refit every model on all of them. ``now`` anchors the recency
    decays (default: the last interaction)."""
    at = int(now.timestamp()) if now is not None else None
    parts = []
    n_validation = 0
    for fit_part, valid_part in _validation_folds(interactions, split, folds):
        early = prepare(fit_part)
        rows, relevant = held_out(early, valid_part, limit=MAX_VALIDATION_USERS, seed=seed)
        if rows.shape[0] >= MIN_VALIDATION_USERS:
            parts.append((early, rows, relevant))
            n_validation += int(rows.shape[0])
        if n_validation >= MAX_VALIDATION_USERS:  # enough customers: older folds add cost
            break
    single_keep = dict.fromkeys(("popularity", "trending", "als"), True)
    validation: dict[str, float] = {}
    chosen_factors = factors
    if parts:
        if progress:
            progress(f"Validation: {len(parts)} folds, {n_validation:,} customers to score")
        best: tuple[float, int, Validation] | None = None
        for f in _factor_choices(factors, len(parts[0][0].rows)):
            folds_f = Validation([
                ValidationPools(Components(early, factors=f, iterations=iterations, seed=seed,
                                           progress=progress), rows, relevant, k)
                for early, rows, relevant in parts])
            als_alone = max(folds_f.ndcg([(corner("als"), True),
                                          (corner("als"), False)]).values())
            if best is None or als_alone > best[0] + 1e-12:
                best = (als_alone, f, folds_f)
        assert best is not None
        _, chosen_factors, chosen = best
        if progress:
            progress(f"Choosing the blend weights ({chosen_factors} ALS factors)")
        scores = chosen.search()
        weights, keep_owned = chosen.select(scores)
        validation["buy_again"] = scores[(corner("buy_again"), True)]
        for name in single_keep:
            kept, dropped = scores[(corner(name), True)], scores[(corner(name), False)]
            single_keep[name] = kept >= dropped
            validation[name] = max(kept, dropped)
        validation["blend"] = scores[(weights, keep_owned)]
    else:
        weights, keep_owned = _default(interactions)
        single_keep = dict.fromkeys(single_keep, keep_owned)
    if progress:
        progress(f"Fitting on all {len(interactions):,} interactions "
                 f"({chosen_factors} ALS factors)")
    full = Components(prepare(interactions, now=at), factors=chosen_factors,
                      iterations=iterations, seed=seed, progress=progress)
    return BlendedRecommender(full, weights, keep_owned=keep_owned,
                              single_keep_owned=single_keep, validation=validation,
                              validation_customers=n_validation)


__all__ = ["BlendedRecommender", "fit_blend", "time_split"]
