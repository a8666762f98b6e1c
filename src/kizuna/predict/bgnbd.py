"""BG/NBD model: Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284.

Transactions follow a Poisson process with rate lambda ~ Gamma(r, alpha); after each
purchase the customer drops out with probability p ~ Beta(a, b).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from kizuna.predict._fitting import check_rft, require_fitted
from kizuna.predict._newton import fit_newton
from kizuna.predict._problems import BGNBDProblem, bgnbd_homogeneous_dropout
from kizuna.predict.contracts import FloatArray, IntArray
from kizuna.predict.errors import DegenerateData

NAMES = ("r", "alpha", "a", "b")


def log_likelihood_terms(
    params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray, *, grad: bool = False,
    groups: tuple[FloatArray, IntArray] | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Per-customer log-likelihood, FHL 2005 eq. (6), and optionally its gradient in
    (r, alpha, a, b) as an (n, 4) array.

    The special functions depend on the purchase count x only, so they are evaluated once
    per distinct x (``groups`` = ``np.unique(x, return_inverse=True)``, computed here when not
    given) and gathered; per customer only two logarithms and a log-sum-exp remain.

    The plain per-customer formula: the reference that tests and benchmarks check the fit
    against (the fit itself sums the same terms block-wise in ``_problems.BGNBDProblem``).
    """
    r, alpha, a, b = params
    xu, inv = groups if groups is not None else np.unique(x, return_inverse=True)
    pos_u = xu > 0
    x1u = np.where(pos_u, xu, 1.0)
    blab = betaln(a, b)
    c1 = (gammaln(r + xu) - gammaln(r) + r * np.log(alpha))[inv]
    c2 = (betaln(a, b + xu) - blab)[inv]
    c3 = np.where(pos_u, betaln(a + 1, b + x1u - 1) - blab, -np.inf)[inv]
    rx = r + x
    log_t = np.log(alpha + T)
    log_tx = np.log(alpha + t_x)
    a2 = c2 - rx * log_t
    a3 = c3 - rx * log_tx  # -inf for customers without repeat purchases
    mix = np.logaddexp(a2, a3)
    ll = c1 + mix
    if not grad:
        return ll, None
    w2, w3 = np.exp(a2 - mix), np.exp(a3 - mix)  # w3 is 0 where x == 0
    psi_ab = digamma(a + b)
    psi_abx_u = digamma(a + b + xu)
    d_r = (digamma(r + xu) - digamma(r) + np.log(alpha))[inv] - w2 * log_t - w3 * log_tx
    d_alpha = r / alpha - rx * (w2 / (alpha + T) + w3 / (alpha + t_x))
    d_a = (w2 * (digamma(a) - psi_abx_u)[inv] + w3 * (digamma(a + 1) - psi_abx_u)[inv]
           - (digamma(a) - psi_ab))
    d_b = (w2 * (digamma(b + xu) - psi_abx_u)[inv] + w3 * (digamma(b + x1u - 1) - psi_abx_u)[inv]
           - (digamma(b) - psi_ab))
    return ll, np.column_stack([d_r, d_alpha, d_a, d_b])


class BetaGeoFitter:
    """BG/NBD by maximum likelihood (lifetimes-style: ``fit()`` returns self; fitted
    attributes end in ``_``)."""

    model = "BG/NBD"

    def __init__(self, params: dict[str, float] | None = None) -> None:
        self.params_: dict[str, float] | None = dict(params) if params else None
        self.log_likelihood_: float | None = None
        self.n_customers_: int | None = None
        self.iterations_: int | None = None

    def fit(self, frequency: Any, recency: Any, T: Any,
            initial: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)) -> BetaGeoFitter:
        """Maximise the likelihood of FHL 2005 eq. (6) over log-parameters: Newton's method with
        the analytic Hessian, warm-started on subsamples (``_newton``, ``_problems``), until
        the log-likelihood left to gain is below 1e-12 |LL|. The log-likelihood is reported on
        the data's own time scale.

        When the data show no heterogeneity in the drop-out probability (common with a few
        hundred customers), the likelihood has no interior maximum: it increases towards
        a, b -> infinity at a fixed a / (a + b). The fit then reports that limit at
        a + b = ``_problems.DROPOUT_SCALE`` (r, alpha and p = a / (a + b) at their maximum),
        not wherever rounding stopped Newton on the ridge."""
        x, t_x, t = check_rft(frequency, recency, T)
        if not np.any(x > 0):
            raise DegenerateData("No customer made a repeat purchase, so the purchase rate and "
                                 "drop-out cannot be estimated; use a longer calibration period.")
        self.params_, self.log_likelihood_, nit = fit_newton(
            BGNBDProblem(x, t_x, t), initial, names=NAMES, boundary=bgnbd_homogeneous_dropout)
        self.n_customers_, self.iterations_ = len(x), nit
        return self

    def _p(self) -> tuple[float, float, float, float]:
        p = require_fitted(self.params_, self.model)
        return p["r"], p["alpha"], p["a"], p["b"]

    def _log_odds_dead(self, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
        r, alpha, a, b = self._p()
        x1 = np.where(x > 0, x, 1.0)
        val = np.log(a) - np.log(b + x1 - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(x > 0, val, -np.inf)

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """P(alive | x, t_x, T), FHL 2005 eq. (13) / Fader, Hardie & Lee (2008) note."""
        x, t_x, t = check_rft(frequency, recency, T)
        return np.exp(-np.logaddexp(0.0, self._log_odds_dead(x, t_x, t)))

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: float, frequency: Any, recency: Any, T: Any,
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T]: expected purchases in (T, T+t], FHL 2005 eq. (10)."""
        r, alpha, a, b = self._p()
        x, t_x, tt = check_rft(frequency, recency, T)
        z = t / (alpha + tt + t)
        log_ratio = (r + x) * (np.log(alpha + tt) - np.log(alpha + tt + t))
        bracket = 1.0 - np.exp(log_ratio) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        first = (a + b + x - 1) / (a - 1)
        alive = np.exp(-np.logaddexp(0.0, self._log_odds_dead(x, t_x, tt)))
        return np.asarray(first * bracket * alive)

    def expected_number_of_purchases_up_to_time(self, t: Any) -> FloatArray:
        """E[X(t)] for a new customer, FHL 2005 eq. (9)."""
        r, alpha, a, b = self._p()
        tt = np.asarray(t, dtype=np.float64)
        h = hyp2f1(r, b, a + b - 1, tt / (alpha + tt))
        return np.asarray((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + tt)) ** r * h))

    # The same name as Pareto/NBD's, so CLV works with either model.
    def predict(self, t: float, frequency: Any, recency: Any, T: Any) -> FloatArray:
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)


def simulate(
    n: int, params: dict[str, float], T: float | FloatArray, seed: int,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Draw (frequency, recency, T) for ``n`` customers from the BG/NBD generative story,
    vectorised: the number of purchases before drop-out is geometric, so a customer's
    observable purchases are a Poisson process truncated at min(T, drop-out time)."""
    rng = np.random.default_rng(seed)
    tt = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], size=n)
    p = rng.beta(params["a"], params["b"], size=n)
    # Number of purchases after which the customer drops out (>= 1, geometric); the first
    # (trial) purchase at time 0 is not counted as a repeat purchase.
    k = rng.geometric(p)  # drops out right after the k-th repeat purchase... or never observed
    x = np.zeros(n)
    t_x = np.zeros(n)
    active = np.ones(n, dtype=bool)
    elapsed = np.zeros(n)
    made = np.zeros(n, dtype=np.int64)
    while np.any(active):
        idx = np.flatnonzero(active)
        elapsed[idx] += rng.exponential(1.0 / lam[idx])
        within = elapsed[idx] <= tt[idx]
        hit = idx[within]
        made[hit] += 1
        x[hit] = made[hit]
        t_x[hit] = elapsed[hit]
        stop = ~within | (made[idx] >= k[idx])
        active[idx[stop]] = False
    return x, t_x, tt
