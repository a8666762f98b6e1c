"""Pareto/NBD model: Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are
They and What Will They Do Next?", Management Science 33(1); likelihood as written in Fader,
Hardie & Lee (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions".

Purchases are Poisson with lambda ~ Gamma(r, alpha); the lifetime is exponential with
mu ~ Gamma(s, beta).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln, hyp2f1

from kizuna.predict._fitting import check_rft, compress, maximise, require_fitted
from kizuna.predict.contracts import FloatArray
from kizuna.predict.errors import DegenerateData

NAMES = ("r", "alpha", "s", "beta")


def _log_terms(
    params: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(log constant, log of the 'alive at T' term, log of the 'died in (t_x, T]' term) of
    the Note's eq. (22); their logsumexp plus the constant is the log-likelihood."""
    r, alpha, s, beta = params
    const = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    rsx = r + s + x
    if alpha >= beta:
        top, second, diff = alpha, s + 1, alpha - beta
    else:
        top, second, diff = beta, r + x, beta - alpha
    log_p1 = np.log(hyp2f1(rsx, second, rsx + 1, diff / (top + t_x))) - rsx * np.log(top + t_x)
    log_p2 = np.log(hyp2f1(rsx, second, rsx + 1, diff / (top + T))) - rsx * np.log(top + T)
    # log(p1 - p2) computed stably; p1 > p2 whenever t_x < T.
    with np.errstate(divide="ignore"):  # t_x == T: p1 == p2, the term is exactly 0
        gap = np.log1p(-np.exp(np.minimum(log_p2 - log_p1, 0.0)))
    dead = np.log(s) - np.log(rsx) + log_p1 + gap
    return const, alive, dead


def log_likelihood_terms(params: FloatArray, x: FloatArray, t_x: FloatArray,
                         T: FloatArray) -> FloatArray:
    """Per-customer log-likelihood (Note, eq. 22)."""
    const, alive, dead = _log_terms(params, x, t_x, T)
    return np.asarray(const + np.logaddexp(alive, dead))


class ParetoNBDFitter:
    """Pareto/NBD by maximum likelihood (lifetimes-style: ``fit()`` returns self)."""

    model = "Pareto/NBD"

    def __init__(self, params: dict[str, float] | None = None) -> None:
        self.params_: dict[str, float] | None = dict(params) if params else None
        self.log_likelihood_: float | None = None
        self.n_customers_: int | None = None
        self.iterations_: int | None = None

    def fit(self, frequency: Any, recency: Any, T: Any,
            initial: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)) -> ParetoNBDFitter:
        """Maximise the Note's eq. (22) over log-parameters (L-BFGS-B, numeric gradient)."""
        x, t_x, t = check_rft(frequency, recency, T)
        if not np.any(x > 0):
            raise DegenerateData("No customer made a repeat purchase, so the purchase rate and "
                                 "lifetime cannot be estimated; use a longer calibration period.")
        (xu, txu, tu), w = compress(x, t_x, t)
        total = float(w.sum())

        def objective(logp: FloatArray) -> float:
            value = -float(w @ log_likelihood_terms(np.exp(logp), xu, txu, tu)) / total
            return value if np.isfinite(value) else 1e10

        params, value, nit = maximise(objective, np.log(np.asarray(initial, dtype=np.float64)),
                                      jac=False, names=NAMES)
        self.params_, self.log_likelihood_ = params, -value * total
        self.n_customers_, self.iterations_ = len(x), nit
        return self

    def _arr(self) -> FloatArray:
        p = require_fitted(self.params_, self.model)
        return np.array([p[name] for name in NAMES])

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """P(alive | x, t_x, T): the 'alive' share of the likelihood (Note, eq. 23)."""
        x, t_x, t = check_rft(frequency, recency, T)
        _, alive, dead = _log_terms(self._arr(), x, t_x, t)
        return np.exp(alive - np.logaddexp(alive, dead))

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: float, frequency: Any, recency: Any, T: Any,
    ) -> FloatArray:
        """E[Y(t) | x, t_x, T] (Schmittlein et al. 1987 eq. 22; the Note's eq. 27)."""
        r, alpha, s, beta = self._arr()
        x, t_x, tt = check_rft(frequency, recency, T)
        p_alive = self.conditional_probability_alive(x, t_x, tt)
        if abs(s - 1) < 1e-9:
            scale = (r + x) * (beta + tt) / (alpha + tt) * np.log((beta + tt + t) / (beta + tt))
        else:
            scale = ((r + x) * (beta + tt) / ((alpha + tt) * (s - 1))
                     * (1 - ((beta + tt) / (beta + tt + t)) ** (s - 1)))
        return np.asarray(p_alive * scale)

    def predict(self, t: float, frequency: Any, recency: Any, T: Any) -> FloatArray:
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)
