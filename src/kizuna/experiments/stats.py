"""Uplift statistics for experiments: fixed-horizon intervals, CUPED and always-valid inference.

Every function here is pure and works on numpy arrays, so the same code serves one report and
a vectorised simulation of thousands of experiments. The formulas (with references) are in
``docs/reference/experiments.md``:

* conversion rate: difference of two proportions, normal approximation with the *unpooled*
  standard error ``sqrt(p1(1-p1)/n1 + p0(1-p0)/n0)`` (Wald interval and z-test);
* revenue per recipient: Welch's t (unequal variances, Welch–Satterthwaite degrees of freedom);
* CUPED (Deng et al. 2013): ``Y' = Y - θ (X - mean(X))`` with ``θ = cov(Y, X) / var(X)`` pooled
  over all arms, X the pre-period spend;
* always-valid: the normal-mixture sequential probability ratio test (mSPRT, Johari et al. 2017,
  Robbins 1970) and the confidence sequence it inverts to (Howard et al. 2021).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

FloatArray = NDArray[np.float64]

ALPHA = 0.05
MIN_N = 100  # recipients per arm before a comparison is "enough data"
MIN_CONVERSIONS = 10  # conversions per arm (conversion-rate comparisons)
MIXTURE_EFFECT = 0.1  # mSPRT mixing sd, in units of the outcome's standard deviation


@dataclass(frozen=True, slots=True, kw_only=True)
class Interval:
    """A difference (variant minus control) with its interval and two-sided p-value."""

    difference: float
    low: float
    high: float
    p_value: float
    method: str

    def as_dict(self) -> dict[str, Any]:
        return {"difference": _num(self.difference), "low": _num(self.low),
                "high": _num(self.high), "p_value": _num(self.p_value), "method": self.method}


def _num(value: float) -> float | None:
    """JSON-safe float (NaN and infinities become null)."""
    return float(value) if np.isfinite(value) else None


def proportion_difference(
    conversions1: Any, n1: Any, conversions0: Any, n0: Any, alpha: float = ALPHA
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(difference, low, high, p) for p1 - p0, unpooled normal approximation (elementwise)."""
    x1, m1 = np.asarray(conversions1, float), np.asarray(n1, float)
    x0, m0 = np.asarray(conversions0, float), np.asarray(n0, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p0 = x1 / m1, x0 / m0
        se = np.sqrt(p1 * (1 - p1) / m1 + p0 * (1 - p0) / m0)
        diff = p1 - p0
        z = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))
    half = sps.norm.ppf(1 - alpha / 2) * se
    p = 2 * sps.norm.sf(np.abs(z))
    return diff, diff - half, diff + half, p


def welch(
    mean1: Any, var1: Any, n1: Any, mean0: Any, var0: Any, n0: Any, alpha: float = ALPHA
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(difference, low, high, p) for mean1 - mean0 by Welch's t (elementwise).

    ``var*`` are sample variances (ddof=1)."""
    m1, m0 = np.asarray(mean1, float), np.asarray(mean0, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.asarray(var1, float) / np.asarray(n1, float)
        b = np.asarray(var0, float) / np.asarray(n0, float)
        se2 = a + b
        df = se2**2 / (a**2 / (np.asarray(n1, float) - 1) + b**2 / (np.asarray(n0, float) - 1))
        df = np.where(np.isfinite(df) & (df > 0), df, 1.0)
        se = np.sqrt(se2)
        diff = m1 - m0
        t = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))
    half = sps.t.ppf(1 - alpha / 2, df) * se
    p = 2 * sps.t.sf(np.abs(t), df)
    return diff, diff - half, diff + half, p


def cuped_theta(y: FloatArray, x: FloatArray) -> float:
    """θ = cov(Y, X) / var(X) over all recipients of all arms (0 when X does not vary)."""
    if len(x) < 2:
        return 0.0
    var_x = float(np.var(x, ddof=1))
    if var_x <= 0:
        return 0.0
    return float(np.cov(y, x, ddof=1)[0, 1] / var_x)


def cuped_adjust(y: FloatArray, x: FloatArray, theta: float) -> FloatArray:
    """Y' = Y - θ (X - mean(X)); the mean of X is the pooled one, so Y' keeps Y's mean."""
    return np.asarray(y - theta * (x - np.mean(x)), float)


def msprt(
    difference: Any, var_difference: Any, tau2: Any, alpha: float = ALPHA
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Normal-mixture SPRT for H0: difference = 0 (elementwise).

    With ``Δ̂ ~ N(Δ, V)`` and a ``N(0, τ²)`` mixture over Δ, the likelihood ratio is
    ``Λ = sqrt(V / (V + τ²)) · exp(Δ̂² τ² / (2 V (V + τ²)))``; ``1/Λ`` is an always-valid
    p-value (take its running minimum over looks) and
    ``Δ̂ ± sqrt(V (V + τ²) / τ² · (2 ln(1/α) + ln((V + τ²) / V)))`` is a (1-α) confidence
    sequence. Returns (p, low, high)."""
    d = np.asarray(difference, float)
    v = np.asarray(var_difference, float)
    t2 = np.asarray(tau2, float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_lr = 0.5 * np.log(v / (v + t2)) + d**2 * t2 / (2 * v * (v + t2))
        p = np.minimum(1.0, np.exp(-log_lr))
        half = np.sqrt(v * (v + t2) / t2 * (2 * np.log(1 / alpha) + np.log((v + t2) / v)))
    p = np.where(v > 0, p, np.where(d == 0, 1.0, 0.0))
    half = np.where(v > 0, half, 0.0)
    return p, d - half, d + half


@dataclass(frozen=True, slots=True, kw_only=True)
class MetricComparison:
    """One metric, one variant against the control: fixed-horizon, CUPED and always-valid."""

    metric: str  # conversion_rate | revenue_per_recipient
    control_value: float
    variant_value: float
    relative: float | None  # difference / control value (None when the control value is 0)
    fixed: Interval
    cuped: Interval | None
    variance_reduction: float | None  # 1 - Var(CUPED estimate) / Var(plain estimate)
    always_valid: Interval

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric, "control_value": _num(self.control_value),
            "variant_value": _num(self.variant_value),
            "relative": None if self.relative is None else _num(self.relative),
            "fixed": self.fixed.as_dict(),
            "cuped": None if self.cuped is None else self.cuped.as_dict(),
            "variance_reduction": (None if self.variance_reduction is None
                                   else _num(self.variance_reduction)),
            "always_valid": self.always_valid.as_dict(),
        }


def _var(values: FloatArray) -> float:
    return float(np.var(values, ddof=1)) if len(values) > 1 else 0.0


def compare_metric(
    metric: str, y1: FloatArray, y0: FloatArray, *, x1: FloatArray | None = None,
    x0: FloatArray | None = None, theta: float | None = None, alpha: float = ALPHA,
) -> MetricComparison:
    """Variant (``y1``) against control (``y0``). Conversion rate uses the unpooled normal
    approximation, every other metric Welch's t. With pre-period values (``x1``, ``x0``)
    and ``θ`` the CUPED-adjusted comparison (Welch on the adjusted outcomes) is added."""
    n1, n0 = len(y1), len(y0)
    mean1, mean0 = float(np.mean(y1)) if n1 else float("nan"), (
        float(np.mean(y0)) if n0 else float("nan"))
    v1, v0 = _var(y1), _var(y0)
    if metric == "conversion_rate":
        d, lo, hi, p = proportion_difference(y1.sum(), n1, y0.sum(), n0, alpha)
        method = "difference of proportions, unpooled normal approximation (Wald)"
        var_d = mean1 * (1 - mean1) / max(n1, 1) + mean0 * (1 - mean0) / max(n0, 1)
    else:
        d, lo, hi, p = welch(mean1, v1, n1, mean0, v0, n0, alpha)
        method = "difference of means, Welch's t"
        var_d = v1 / max(n1, 1) + v0 / max(n0, 1)
    fixed = Interval(difference=float(d), low=float(lo), high=float(hi), p_value=float(p),
                     method=method)
    pooled_var = _var(np.concatenate([y1, y0])) if n1 + n0 > 1 else 0.0
    tau2 = (MIXTURE_EFFECT**2) * pooled_var
    ap, alo, ahi = msprt(fixed.difference, var_d, tau2 if tau2 > 0 else 1e-12, alpha)
    always = Interval(difference=fixed.difference, low=float(alo), high=float(ahi),
                      p_value=float(ap), method="mSPRT, normal mixture (always-valid)")
    cuped: Interval | None = None
    reduction: float | None = None
    if x1 is not None and x0 is not None and theta is not None and n1 > 1 and n0 > 1:
        x_mean = float(np.mean(np.concatenate([x1, x0])))
        a1, a0 = y1 - theta * (x1 - x_mean), y0 - theta * (x0 - x_mean)
        va1, va0 = _var(a1), _var(a0)
        cd, clo, chi, cp = welch(float(np.mean(a1)), va1, n1, float(np.mean(a0)), va0, n0, alpha)
        cuped = Interval(difference=float(cd), low=float(clo), high=float(chi),
                         p_value=float(cp), method="CUPED-adjusted difference, Welch's t")
        plain = v1 / n1 + v0 / n0
        reduction = 1 - (va1 / n1 + va0 / n0) / plain if plain > 0 else None
    relative = fixed.difference / mean0 if n0 and mean0 != 0 else None
    return MetricComparison(metric=metric, control_value=mean0, variant_value=mean1,
                            relative=relative, fixed=fixed, cuped=cuped,
                            variance_reduction=reduction, always_valid=always)
