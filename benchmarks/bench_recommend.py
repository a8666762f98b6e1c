"""Recommender training and top-10 scoring time, kizuna vs implicit's ALS alone.

Run: python benchmarks/bench_recommend.py [n ...]   (default 1000000 10000000)

Synthetic purchases: 100,000 customers with power-law activity, 20,000 products with
power-law popularity, a third of each customer's purchases from a personal list of staples
(so buy-again and ALS both have something to find), over one year. In the same run:

* reference: ``implicit`` ALS alone (64 factors, 15 iterations, the same 1 + log(count)
  matrix), fit, then ``model.recommend`` of the top 10 for every customer;
* kizuna: ``fit_blend`` (a validation fit of every model on 80 % of the timeline, the weight
  grid search on 3,000 validation customers, then the refit on everything) and
  ``recommend_all(10)`` (blend scores, reasons, ``Recommendation`` records).

Medians of ``RUNS`` runs up to 1 M interactions, one run above.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from kizuna.recommend.blend import fit_blend
from kizuna.recommend.contracts import Interactions

USERS, ITEMS, FACTORS, ITERATIONS = 100_000, 20_000, 64, 15
RUNS = 3
YEAR = 365 * 86_400


def synthetic(n: int, seed: int = 7) -> Interactions:
    rng = np.random.default_rng(seed)
    activity = rng.pareto(1.5, USERS) + 1.0
    users = rng.choice(USERS, size=n, p=activity / activity.sum())
    popularity = 1.0 / np.arange(1, ITEMS + 1) ** 0.9
    items = rng.choice(ITEMS, size=n, p=popularity / popularity.sum())
    staples = rng.choice(ITEMS, size=(USERS, 5), p=popularity / popularity.sum())
    from_staples = rng.random(n) < 1 / 3
    items[from_staples] = staples[users[from_staples], rng.integers(0, 5, from_staples.sum())]
    times = np.sort(rng.integers(1_700_000_000, 1_700_000_000 + YEAR, size=n))
    return Interactions(users=users.astype(np.int64), items=items.astype(np.int64),
                        times=times.astype(np.int64), weights=np.ones(n, dtype=np.float32),
                        baskets=np.arange(n, dtype=np.int64), name=f"synthetic-{n}")


def time_implicit(data: Interactions) -> tuple[float, float]:
    from implicit.als import AlternatingLeastSquares

    t0 = time.perf_counter()
    matrix = sp.csr_matrix((np.ones(len(data), dtype=np.float32), (data.users, data.items)),
                           shape=(USERS, ITEMS))
    matrix.sum_duplicates()
    matrix.data = 1.0 + np.log(matrix.data)
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(factors=FACTORS, regularization=10.0, alpha=10.0,
                                        iterations=ITERATIONS, random_state=7)
        model.fit(matrix, show_progress=False)
        fit = time.perf_counter() - t0
        t1 = time.perf_counter()
        ids, _ = model.recommend(np.arange(USERS), matrix, N=10,
                                 filter_already_liked_items=False)
        assert ids.shape == (USERS, 10)
    return fit, time.perf_counter() - t1


def time_kizuna(data: Interactions) -> tuple[float, float]:
    t0 = time.perf_counter()
    model = fit_blend(data, factors=FACTORS, iterations=ITERATIONS)
    fit = time.perf_counter() - t0
    t1 = time.perf_counter()
    count = sum(1 for _ in model.recommend_all(10))
    assert count == model.data.n_users
    print(f"    blend weights {model.weights}, keep owned {model.keep_owned}, "
          f"validation NDCG@10 {({k: round(v, 4) for k, v in model.validation.items()})}",
          flush=True)
    return fit, time.perf_counter() - t1


def main(sizes: list[int]) -> None:
    warnings.simplefilter("ignore")
    print(f"{USERS:,} customers, {ITEMS:,} products, ALS {FACTORS} factors x {ITERATIONS} "
          "iterations; seconds (median of runs)")
    print(f"{'interactions':>13} {'implicit fit':>13} {'implicit top10':>15} "
          f"{'kizuna fit':>11} {'kizuna top10':>13} {'fit ratio':>10} {'top10 ratio':>12}")
    for n in sizes:
        data = synthetic(n)
        runs = RUNS if n <= 1_000_000 else 1
        ref = [time_implicit(data) for _ in range(runs)]
        ours = [time_kizuna(data) for _ in range(runs)]
        rf, rs = (statistics.median(x[i] for x in ref) for i in range(2))
        kf, ks = (statistics.median(x[i] for x in ours) for i in range(2))
        print(f"{n:>13,} {rf:>13.1f} {rs:>15.1f} {kf:>11.1f} {ks:>13.1f} "
              f"{kf / rf:>9.2f}x {ks / rs:>11.2f}x", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000])
