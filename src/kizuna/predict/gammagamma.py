"""Gamma-Gamma spend model: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis", Journal of Marketing Research 42(4), 415-430 (building on
Colombo & Jiang 1999). Each purchase value is Gamma(p, nu); nu ~ Gamma(q, gamma) across
customers. Fitted on repeat buyers only (frequency x > 0, mean repeat spend z > 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from kizuna.predict._fitting import as_array, require_fitted
from kizuna.predict._newton import fit_newton
from kizuna.predict._problems import GammaGammaProblem
from kizuna.predict.contracts import FloatArray, IntArray
from kizuna.predict.errors import DegenerateData, SummaryInvalid

NAMES = ("p", "q", "gamma")


def log_likelihood_terms(
    params: FloatArray, x: FloatArray, z: FloatArray, *, grad: bool = False,
    groups: tuple[FloatArray, IntArray] | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Per-customer log density of the mean spend z given x purchases (FHL 2005 "RFM and
    CLV", appendix / eq. 3 integrated over nu), and optionally its gradient.

    The gamma functions depend on x only: they are evaluated once per distinct x
    (``groups`` = ``np.unique(x, return_inverse=True)``) and gathered. The per-customer
    reference for tests and benchmarks; the fit uses ``_problems.GammaGammaProblem``.
    """
    p, q, g = params
    xu, inv = groups if groups is not None else np.unique(x, return_inverse=True)
    pxu = p * xu
    log_xz = np.log(g + x * z)
    px = p * x
    ll = ((gammaln(pxu + q) - gammaln(pxu) - gammaln(q) + pxu * np.log(xu))[inv]
          + (px - 1) * np.log(z) + q * np.log(g) - (px + q) * log_xz)
    if not grad:
        return ll, None
    psi_pxq = digamma(pxu + q)
    d_p = x * ((psi_pxq - digamma(pxu) + np.log(xu))[inv] + np.log(z) - log_xz)
    d_q = (psi_pxq - digamma(q))[inv] + np.log(g) - log_xz
    d_g = q / g - (px + q) / (g + x * z)
    return ll, np.column_stack([d_p, d_q, d_g])


def _check(frequency: Any, monetary_value: Any) -> tuple[FloatArray, FloatArray]:
    x, z = as_array("frequency", frequency), as_array("monetary_value", monetary_value)
    if len(x) != len(z):
        raise SummaryInvalid("frequency and monetary_value must have the same length.")
    if np.any(x < 0):
        raise SummaryInvalid("frequency must be >= 0.", field="frequency")
    return x, z


class GammaGammaFitter:
    """Gamma-Gamma spend model by maximum likelihood (lifetimes-style)."""

    model = "Gamma-Gamma"

    def __init__(self, params: dict[str, float] | None = None) -> None:
        self.params_: dict[str, float] | None = dict(params) if params else None
        self.log_likelihood_: float | None = None
        self.n_customers_: int | None = None
        self.iterations_: int | None = None

    def fit(self, frequency: Any, monetary_value: Any,
            initial: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> GammaGammaFitter:
        """Fit on customers with frequency > 0 (others are ignored, as in the paper). Spend
        must be > 0 for them: a zero or negative mean spend is an error, not a silent NaN.
        Newton's method with the analytic Hessian, as for BG/NBD (``_newton``)."""
        x, z = _check(frequency, monetary_value)
        repeat = x > 0
        if not np.any(repeat):
            raise DegenerateData("No customer made a repeat purchase, so there is no repeat "
                                 "spend to fit the Gamma-Gamma model on.")
        if not np.all(repeat):
            x, z = x[repeat], z[repeat]
        if float(z.min()) <= 0:
            raise SummaryInvalid(f"{int(np.sum(z <= 0))} repeat buyer(s) have zero or negative "
                                 "monetary_value; the Gamma-Gamma model needs positive spend "
                                 "(drop refunds/free orders or use margins > 0).",
                                 field="monetary_value")
        if float(z.min()) == float(z.max()):
            raise DegenerateData("Every repeat buyer has the same spend; the spread of spend "
                                 "across customers cannot be estimated.")
        self.params_, self.log_likelihood_, nit = fit_newton(
            GammaGammaProblem(x, z), initial, names=NAMES)
        self.n_customers_, self.iterations_ = len(x), nit
        return self

    def conditional_expected_average_profit(self, frequency: Any,
                                            monetary_value: Any) -> FloatArray:
        """E[Z | x, z] = p (gamma + x z) / (p x + q - 1) (FHL 2005 "RFM and CLV", eq. 5);
        for x = 0 it is the population mean p gamma / (q - 1)."""
        prm = require_fitted(self.params_, self.model)
        p, q, g = prm["p"], prm["q"], prm["gamma"]
        x, z = _check(frequency, monetary_value)
        z = np.where(x > 0, z, 0.0)
        return np.asarray(p * (g + x * z) / (p * x + q - 1))
