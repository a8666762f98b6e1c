"""Offline evaluation on a time-based split: precision@k, recall@k, NDCG@k and coverage of
popularity, buy-again, ALS and the blend (docs/reference/recommendation-quality.md).

Split (``split``): ``global`` trains every method on the interactions before the time at which
``1 - test_fraction`` of them have happened and tests on the rest; ``per_user`` tests on each
customer's own last ``test_fraction`` of interactions by time and trains on everything else
(``validation.per_user_split``). The blend's validation folds use the same kind of split.
Test customers have at least one train and one test interaction. Relevant items are
everything a test customer interacted with in the test period, including items they already
had in training (a re-purchase is a hit): the same rule for every method, or a buy-again
signal could not show. The catalogue for coverage is the items of the training period
(nothing else can be recommended).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from kizuna.recommend.blend import BlendedRecommender, fit_blend
from kizuna.recommend.contracts import Evaluation, Interactions, MethodScores
from kizuna.recommend.metrics import FloatVector, coverage, ranking_metrics
from kizuna.recommend.validation import Split, held_out, hits_of, split_by

METHODS = ("popularity", "trending", "buy_again", "als", "blend")
BATCH = 1000


@dataclass(frozen=True, slots=True)
class PerUser:
    """Per-test-customer metrics of one method (for paired comparisons in tests)."""

    precision: FloatVector
    recall: FloatVector
    ndcg: FloatVector
    coverage: float


def per_user_metrics(model: BlendedRecommender, test: Interactions, *,
                     k: int = 10) -> dict[str, PerUser]:
    """Every method's per-customer metrics on ``test`` (customers known to ``model``)."""
    rows, relevant = held_out(model.data, test)
    n_rel = np.array([len(s) for s in relevant], dtype=np.int64)
    out: dict[str, PerUser] = {}
    for method in METHODS:
        parts: list[tuple[FloatVector, FloatVector, FloatVector]] = []
        picked = []
        for start in range(0, rows.shape[0], BATCH):
            cols = model.rank(rows[start:start + BATCH], k, method)
            picked.append(cols)
            hits = hits_of(model.data, cols, relevant[start:start + BATCH])
            parts.append(ranking_metrics(hits, n_rel[start:start + BATCH], k))
        p, r, n = (np.concatenate([x[i] for x in parts]) if parts else np.zeros(0)
                   for i in range(3))
        cols_all = np.vstack(picked) if picked else np.zeros((0, k), dtype=np.int64)
        out[method] = PerUser(precision=p, recall=r, ndcg=n,
                              coverage=coverage(cols_all, model.data.n_items))
    return out


def evaluate(interactions: Interactions, *, k: int = 10, test_fraction: float = 0.2,
             now: datetime | None = None, seed: int = 7, factors: int = 64,
             iterations: int = 15, split: Split = "global",
             progress: Callable[[str], None] | None = None) -> Evaluation:
    """Train on the earlier part of the data by ``split`` and score the rest (module
    docstring)."""
    train, test, cut = split_by(interactions, test_fraction, split)
    if progress:
        progress(f"{split} split from {datetime.fromtimestamp(cut, UTC):%Y-%m-%d %H:%M} UTC: "
                 f"{len(train):,} train, {len(test):,} test interactions")
    model = fit_blend(train, now=now, k=k, factors=factors, iterations=iterations, seed=seed,
                      split=split, progress=progress)
    if progress:
        progress("Scoring the test customers")
    scores = per_user_metrics(model, test, k=k)
    rows = tuple(
        MethodScores(method=m, precision=_mean(s.precision), recall=_mean(s.recall),
                     ndcg=_mean(s.ndcg), coverage=s.coverage, customers=int(s.ndcg.shape[0]))
        for m, s in scores.items()
    )
    return Evaluation(dataset=interactions.name, k=k, split_at=datetime.fromtimestamp(cut, UTC),
                      train_interactions=len(train),
                      test_customers=rows[0].customers if rows else 0, rows=rows,
                      blend_weights=model.weights, split=split,
                      validation=dict(model.validation), blend_keeps_owned=model.keep_owned)


def _mean(values: FloatVector) -> float:
    return float(values.mean()) if values.size else 0.0
