"""BG/NBD + Gamma-Gamma fit time on customers simulated from the CDNOW parameters.

Run: python benchmarks/bench_clv.py [n ...]   (default 100000 1000000)
lifetimes is installed data-only (--no-deps) here, so it is not timed in this run.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from kizuna.predict.bgnbd import BetaGeoFitter, simulate
from kizuna.predict.gammagamma import GammaGammaFitter

BG = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def spend(x: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    nu = rng.gamma(GG["q"], 1 / GG["gamma"], size=len(x))
    xs = np.maximum(x, 1)
    return np.where(x > 0, rng.gamma(GG["p"] * xs, 1 / nu) / xs, 0.0)


def main(sizes: list[int]) -> None:
    for n in sizes:
        t0 = time.perf_counter()
        x, t_x, t = simulate(n, BG, 39.0, seed=n)
        z = spend(x, seed=n + 1)
        t1 = time.perf_counter()
        bg = BetaGeoFitter().fit(x, t_x, t)
        t2 = time.perf_counter()
        gg = GammaGammaFitter().fit(x, z)
        t3 = time.perf_counter()
        print(f"n={n:>9,}  simulate {t1 - t0:6.2f}s  bgnbd {t2 - t1:6.2f}s "
              f"({bg.iterations_} it, LL {bg.log_likelihood_:.1f})  gammagamma {t3 - t2:6.2f}s "
              f"({gg.iterations_} it)  total fit {t3 - t1:6.2f}s")
        print("   bgnbd", {k: round(v, 4) for k, v in (bg.params_ or {}).items()},
              " gg", {k: round(v, 3) for k, v in (gg.params_ or {}).items()})


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
