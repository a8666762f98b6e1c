"""The Newton fit (subsample warm start, block sums, analytic Hessian) against a plain
reference optimisation of the same likelihood on the uncompressed per-customer arrays."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from kizuna.predict import _newton, bgnbd, gammagamma
from kizuna.predict._problems import (
    DROPOUT_SCALE,
    BGNBDProblem,
    FixedDropoutScale,
    GammaGammaProblem,
)
from kizuna.predict.bgnbd import BetaGeoFitter, simulate
from kizuna.predict.gammagamma import GammaGammaFitter

TRUTH = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}
NAMES = ("r", "alpha", "a", "b")


def varied_t(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cohorts joining over 78 weeks: T uniform on [1, 78] (continuous, so no two alike)."""
    t = np.random.default_rng(seed).uniform(1.0, 78.0, size=n)
    return simulate(n, TRUTH, t, seed=seed + 1)


def spends(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.geometric(0.3, size=n).astype(float)
    nu = rng.gamma(3.74, 1 / 15.44, size=n)
    return x, rng.gamma(6.25 * x, 1 / nu) / x


def reference_bg(x: np.ndarray, t_x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, float]:
    """L-BFGS-B then BFGS on -sum(ll) over log-parameters, every customer its own row."""
    def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
        p = np.exp(logp)
        ll, g = bgnbd.log_likelihood_terms(p, x, t_x, t, grad=True)
        assert g is not None
        return -float(ll.sum()), -g.sum(axis=0) * p

    res = minimize(objective, np.zeros(4), jac=True, method="L-BFGS-B",
                   options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    res = minimize(objective, res.x, jac=True, method="BFGS", options={"gtol": 1e-8})
    return np.exp(res.x), -float(res.fun)


@pytest.mark.parametrize("t_kind", ["constant", "varied"])
@pytest.mark.parametrize("smallest_stage", [_newton.SMALLEST_STAGE, 1_500])
def test_bgnbd_matches_a_reference_optimisation(
    t_kind: str, smallest_stage: int, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A small SMALLEST_STAGE makes 30k customers go through the subsample ladder
    # (30k -> 1.9k), as 10M customers do at the default.
    monkeypatch.setattr(_newton, "SMALLEST_STAGE", smallest_stage)
    x, t_x, t = (varied_t(30_000, 11) if t_kind == "varied"
                 else simulate(30_000, TRUTH, 39.0, seed=11))
    m = BetaGeoFitter().fit(x, t_x, t)
    assert m.params_ is not None and m.log_likelihood_ is not None
    ref_p, ref_ll = reference_bg(x, t_x, t)
    # At least as high as the reference, and equal up to rounding.
    assert m.log_likelihood_ >= ref_ll - 1e-9 * abs(ref_ll)
    assert m.log_likelihood_ == pytest.approx(ref_ll, rel=1e-10)
    got = np.array([m.params_[k] for k in NAMES])
    np.testing.assert_allclose(got, ref_p, rtol=1e-4)
    # The reported LL is the plain per-customer sum at the reported parameters.
    direct = bgnbd.log_likelihood_terms(got, x, t_x, t)[0].sum()
    assert m.log_likelihood_ == pytest.approx(direct, rel=1e-12)


def test_bgnbd_recovers_parameters_with_varied_t() -> None:
    x, t_x, t = varied_t(200_000, 5)
    m = BetaGeoFitter().fit(x, t_x, t)
    assert m.params_ is not None and m.n_customers_ == 200_000
    for name, truth in TRUTH.items():
        assert m.params_[name] == pytest.approx(truth, rel=0.05), name


def test_gammagamma_matches_a_reference_optimisation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_newton, "SMALLEST_STAGE", 1_000)
    x, z = spends(40_000, 8)
    m = GammaGammaFitter().fit(x, z)
    assert m.params_ is not None and m.log_likelihood_ is not None

    def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
        p = np.exp(logp)
        ll, g = gammagamma.log_likelihood_terms(p, x, z, grad=True)
        assert g is not None
        return -float(ll.sum()), -g.sum(axis=0) * p

    res = minimize(objective, np.zeros(3), jac=True, method="L-BFGS-B",
                   options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    res = minimize(objective, res.x, jac=True, method="BFGS", options={"gtol": 1e-8})
    assert m.log_likelihood_ >= -res.fun - 1e-9 * abs(res.fun)
    got = np.array([m.params_[k] for k in ("p", "q", "gamma")])
    np.testing.assert_allclose(got, np.exp(res.x), rtol=1e-4)
    for name, truth in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert m.params_[name] == pytest.approx(truth, rel=0.1), name


def test_analytic_gradient_and_hessian_match_finite_differences() -> None:
    x, t_x, t = varied_t(20_000, 2)
    xs, z = spends(20_000, 3)
    cases = [(BGNBDProblem(x, t_x, t), np.array([0.3, 5.0, 0.7, 2.0])),
             (BGNBDProblem(x, t_x, np.full_like(t, 80.0)), np.array([0.3, 5.0, 0.7, 2.0])),
             (GammaGammaProblem(xs, z), np.array([5.0, 3.0, 12.0]))]
    for problem, p0 in cases:
        _, g, h = problem.evaluate(p0)
        k = len(p0)
        g_fd, h_fd = np.zeros(k), np.zeros((k, k))
        for i in range(k):
            d = np.zeros(k)
            d[i] = 1e-6 * p0[i]
            lp, gp, _ = problem.evaluate(p0 + d)
            lm, gm, _ = problem.evaluate(p0 - d)
            g_fd[i] = (lp - lm) / (2 * d[i])
            h_fd[:, i] = (gp - gm) / (2 * d[i])
        np.testing.assert_allclose(g, g_fd, atol=1e-6 * np.abs(g).max())
        np.testing.assert_allclose(h, h_fd, atol=1e-6 * np.abs(h).max())
        np.testing.assert_allclose(h, h.T)


def test_bgnbd_log_likelihood_sums_match_the_per_customer_formula() -> None:
    x, t_x, t = varied_t(5_000, 4)
    p = np.array([0.5, 3.0, 1.2, 4.0])
    ll, _, _ = BGNBDProblem(x, t_x, t).evaluate(p)
    assert ll == pytest.approx(bgnbd.log_likelihood_terms(p, x, t_x, t)[0].sum(), rel=1e-12)
    sub = BGNBDProblem(x, t_x, t).subsample(16)
    assert sub.n_rows == len(range(0, int(np.sum(x > 0)), 16)) + len(
        range(0, int(np.sum(x == 0)), 16))


# The 150 customers of the overview acceptance tests' shop (tests/acceptance/web/
# test_overview_page.py, seed 7): repeat purchase days, and days from the first purchase to
# the last one and to the calibration end. Their drop-out shows no heterogeneity: the
# likelihood increases towards a, b -> infinity at a / (a + b) = 0.1849, with no interior
# maximum. Newton used to stop on that ridge wherever rounding ended it (a from 3e5 to 1e9)
# and to call that converged or not depending on the sign of a rounding-noise eigenvalue of
# the Hessian: on one SciPy/NumPy build the overview drew its CLV charts, on another not.
SHOP_X = np.array([
    0, 0, 1, 0, 1, 0, 0, 2, 1, 2, 1, 1, 1, 0, 0, 2, 0, 0, 1, 1, 0, 1, 1, 1, 1, 3, 2, 1, 0,
    0, 1, 1, 2, 0, 1, 3, 1, 1, 0, 0, 2, 1, 0, 1, 2, 3, 1, 4, 3, 0, 0, 1, 1, 4, 1, 0, 2, 0,
    0, 2, 1, 4, 1, 2, 1, 2, 4, 2, 2, 2, 1, 0, 1, 0, 4, 0, 3, 0, 1, 1, 2, 1, 4, 1, 1, 2, 1,
    0, 0, 0, 1, 1, 1, 0, 2, 2, 0, 4, 3, 2, 1, 1, 1, 0, 1, 4, 1, 3, 0, 3, 3, 4, 1, 3, 3, 3,
    1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 3, 0, 1, 3, 4, 3, 4, 1, 0, 0, 1, 1, 0, 0, 4, 0,
    2, 0, 1, 1, 2
], dtype=float)
SHOP_RECENCY_DAYS = np.array([
    0, 0, 24, 0, 411, 0, 0, 59, 31, 83, 170, 37, 24, 0, 0, 134, 0, 0, 50, 144, 0, 245, 92,
    14, 114, 71, 343, 78, 0, 0, 1, 269, 217, 0, 199, 464, 38, 2, 0, 0, 171, 232, 0, 191,
    175, 261, 288, 189, 24, 0, 0, 151, 1, 297, 96, 0, 119, 0, 0, 90, 24, 182, 18, 153, 5,
    118, 442, 45, 77, 192, 330, 0, 417, 0, 91, 0, 64, 0, 4, 10, 272, 253, 96, 86, 74, 79, 5,
    0, 0, 0, 48, 98, 270, 0, 134, 81, 0, 170, 54, 166, 49, 94, 24, 0, 231, 513, 16, 77, 0,
    183, 18, 362, 5, 88, 190, 469, 87, 0, 30, 141, 239, 185, 259, 170, 0, 203, 0, 9, 0, 351,
    0, 1, 199, 362, 218, 370, 108, 0, 0, 282, 146, 0, 0, 289, 0, 306, 0, 13, 214, 222
], dtype=float)
SHOP_T_DAYS = np.array([
    334, 52, 99, 222, 447, 437, 129, 66, 139, 123, 195, 64, 324, 309, 252, 310, 77, 431,
    158, 324, 470, 279, 459, 26, 122, 135, 414, 428, 157, 157, 15, 272, 381, 58, 404, 496,
    115, 3, 29, 388, 358, 480, 150, 274, 213, 308, 517, 248, 31, 376, 107, 204, 4, 400, 477,
    177, 157, 361, 137, 108, 31, 249, 532, 158, 7, 126, 497, 103, 336, 466, 538, 429, 455,
    77, 128, 501, 168, 329, 22, 21, 305, 274, 135, 94, 77, 88, 14, 135, 247, 271, 209, 213,
    280, 18, 197, 509, 223, 206, 75, 291, 164, 375, 38, 4, 489, 519, 26, 161, 151, 442, 19,
    388, 6, 97, 243, 493, 153, 139, 65, 504, 478, 207, 299, 278, 95, 271, 289, 239, 28, 506,
    326, 4, 203, 402, 295, 385, 423, 500, 133, 427, 269, 406, 168, 515, 252, 353, 209, 395,
    388, 287
], dtype=float)


def test_bgnbd_without_dropout_heterogeneity_reports_the_homogeneous_limit() -> None:
    x, t_x, t = SHOP_X, SHOP_RECENCY_DAYS / 7, SHOP_T_DAYS / 7
    # The profile likelihood over a + b (r, alpha and p = a / (a + b) maximised) only rises.
    profile = []
    for scale in (1e1, 1e3, 1e5):
        fixed = FixedDropoutScale(BGNBDProblem(x, t_x, t), scale)
        _, ll, _, ok = _newton.newton(fixed, np.log([1.0, 10.0, 0.2]), tol=1e-9,
                                      relative=False)
        assert ok
        profile.append(ll)
    assert profile[0] < profile[1] < profile[2]
    # The fit reports the limit (at a + b = DROPOUT_SCALE), whatever the row order (which
    # changes the rounding as another SciPy/NumPy build does).
    fits = []
    for seed in range(8):
        order = np.random.default_rng(seed).permutation(len(x)) if seed else np.arange(len(x))
        m = BetaGeoFitter().fit(x[order], t_x[order], t[order])
        assert m.params_ is not None and m.log_likelihood_ is not None
        fits.append((np.array([m.params_[k] for k in NAMES]), m.log_likelihood_))
    for params, ll in fits:
        np.testing.assert_allclose(params, fits[0][0], rtol=1e-4)
        assert ll == pytest.approx(fits[0][1], rel=1e-9)  # betaln of a, b ~ 1e6 rounds
    params, ll = fits[0]
    assert params[2] + params[3] == pytest.approx(DROPOUT_SCALE)
    assert params[2] / (params[2] + params[3]) == pytest.approx(0.1849, abs=1e-4)
    np.testing.assert_allclose(params[:2], [1.4237, 25.346], rtol=1e-4)
    # As high as a plain optimiser of the per-customer formula gets (it stops somewhere on
    # the ridge too), up to the 1 / (a + b) still to gain towards the limit.
    def objective(logp: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            value = -float(bgnbd.log_likelihood_terms(np.exp(logp), x, t_x, t)[0].sum())
        return value if np.isfinite(value) else 1e10

    ref = minimize(objective, np.zeros(4), method="Nelder-Mead",
                   options={"maxiter": 20_000, "maxfev": 20_000, "xatol": 1e-10, "fatol": 1e-12})
    # How far the optimiser wanders along the ridge depends on the SciPy release (1.17 stops
    # at a + b ~ 4e7, 2.6e-5 higher than the fit at 1e6): within 1e-4 either way.
    assert ll == pytest.approx(-ref.fun, abs=1e-4)
    assert ll == pytest.approx(bgnbd.log_likelihood_terms(params, x, t_x, t)[0].sum(), rel=1e-9)
    # Data with heterogeneous drop-out keep their interior maximum (a + b far below the ridge).
    sim = BetaGeoFitter().fit(*simulate(2_000, TRUTH, 39.0, seed=3))
    assert sim.params_ is not None and sim.params_["a"] + sim.params_["b"] < 100
