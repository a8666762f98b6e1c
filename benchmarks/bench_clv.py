"""BG/NBD + Gamma-Gamma fit time, kizuna vs lifetimes, on customers simulated from CDNOW.

Run: python benchmarks/bench_clv.py [n ...]   (default 100000 1000000)

Two cases per size: every customer observed for T = 39 weeks (the CDNOW calibration period),
and cohorts joining over time, T uniform on [1, 78] weeks (every customer a different T, as
in real data). Both libraries fit the same simulated data in the same run. lifetimes needs its own
dependencies (``pip install pandas autograd dill`` next to the data-only ``lifetimes``); when
they are missing only kizuna is timed. Equal quality is checked by evaluating kizuna's
log-likelihood (original time scale) at both parameter sets, for BG/NBD and Gamma-Gamma.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from typing import Any

import numpy as np

from kizuna.predict import bgnbd, gammagamma
from kizuna.predict.bgnbd import BetaGeoFitter, simulate
from kizuna.predict.gammagamma import GammaGammaFitter

BG = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
RUNS = 5  # kizuna: median of 5 fits; lifetimes: 3 up to 1M customers, 1 above


def spend(x: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    nu = rng.gamma(GG["q"], 1 / GG["gamma"], size=len(x))
    xs = np.maximum(x, 1)
    return np.where(x > 0, rng.gamma(GG["p"] * xs, 1 / nu) / xs, 0.0)


def lifetimes_module() -> Any | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lifetimes
    except ImportError:
        return None
    return lifetimes


def ll_bg(params: dict[str, float], x: np.ndarray, t_x: np.ndarray, t: np.ndarray) -> float:
    p = np.array([params[k] for k in ("r", "alpha", "a", "b")])
    return float(bgnbd.log_likelihood_terms(p, x, t_x, t)[0].sum())


def ll_gg(params: dict[str, float], x: np.ndarray, z: np.ndarray) -> float:
    p = np.array([params[k] for k in ("p", "q", "gamma")])
    return float(gammagamma.log_likelihood_terms(p, x[x > 0], z[x > 0])[0].sum())


Fitted = tuple[float, dict[str, float], dict[str, float]]


def time_kizuna(x: np.ndarray, t_x: np.ndarray, t: np.ndarray, z: np.ndarray) -> Fitted:
    t0 = time.perf_counter()
    bg = BetaGeoFitter().fit(x, t_x, t)
    gg = GammaGammaFitter().fit(x[x > 0], z[x > 0])
    return time.perf_counter() - t0, dict(bg.params_ or {}), dict(gg.params_ or {})


def time_lifetimes(
    lt: Any, x: np.ndarray, t_x: np.ndarray, t: np.ndarray, z: np.ndarray
) -> Fitted:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        bg = lt.BetaGeoFitter().fit(x, t_x, t)
        gg = lt.GammaGammaFitter().fit(x[x > 0], z[x > 0])
        elapsed = time.perf_counter() - t0
    names = {"p": "p", "q": "q", "v": "gamma"}
    return (elapsed, {k: float(v) for k, v in bg.params_.items()},
            {names[k]: float(v) for k, v in gg.params_.items()})


def main(sizes: list[int]) -> None:
    lt = lifetimes_module()
    if lt is None:
        print("lifetimes (with pandas, autograd, dill) is not importable: timing kizuna only")
    for n in sizes:
        for case in ("T=39", "T~U[1,78]"):
            t_in: float | np.ndarray = 39.0 if case == "T=39" else \
                np.random.default_rng(n + 2).uniform(1.0, 78.0, size=n)
            x, t_x, t = simulate(n, BG, t_in, seed=n)
            z = spend(x, seed=n + 1)
            ours = [time_kizuna(x, t_x, t, z) for _ in range(RUNS)]
            times = sorted(r[0] for r in ours)
            k_time = statistics.median(times)
            line = (f"n={n:>10,} {case:>9}  kizuna {k_time:6.2f} s [{times[0]:.2f}-{times[-1]:.2f}]"
                    f" (LL {ll_bg(ours[0][1], x, t_x, t):.1f} / {ll_gg(ours[0][2], x, z):.1f})")
            if lt is not None:
                theirs = [time_lifetimes(lt, x, t_x, t, z)
                          for _ in range(1 if n > 1_000_000 else 3)]
                l_time = statistics.median(r[0] for r in theirs)
                d_bg = ll_bg(ours[0][1], x, t_x, t) - ll_bg(theirs[0][1], x, t_x, t)
                d_gg = ll_gg(ours[0][2], x, z) - ll_gg(theirs[0][2], x, z)
                line += (f"  lifetimes {l_time:7.2f} s (kizuna LL - lifetimes LL: {d_bg:+.2e}"
                         f" / {d_gg:+.2e})  speed-up {l_time / k_time:5.1f}x")
            print(line, flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
