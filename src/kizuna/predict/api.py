"""Facade of the predict domain: fit CLV models and score customers."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from kizuna.predict.bgnbd import BetaGeoFitter
from kizuna.predict.bgnbd import simulate as simulate_bgnbd
from kizuna.predict.churn import (
    AtRiskCustomer,
    ChurnReport,
    at_risk_customers,
    churn_model,
)
from kizuna.predict.contracts import CustomerSummary, FitResult, FloatArray, ModelName
from kizuna.predict.customers import (
    ClvReport,
    ClvValidation,
    CustomerPrediction,
    clv_validation,
    predict_customers,
    summary_from_snapshot,
)
from kizuna.predict.errors import SummaryInvalid
from kizuna.predict.gammagamma import GammaGammaFitter
from kizuna.predict.paretonbd import ParetoNBDFitter
from kizuna.predict.summary import (
    lifetimes_dataset,
    read_summary_csv,
    summary_from_transactions,
)
from kizuna.predict.validation import (
    CalibrationHoldout,
    ValidationReport,
    calibration_and_holdout,
    validate,
)

__all__ = [
    "AtRiskCustomer",
    "BetaGeoFitter",
    "CalibrationHoldout",
    "ChurnReport",
    "ClvReport",
    "ClvValidation",
    "CustomerPrediction",
    "GammaGammaFitter",
    "ParetoNBDFitter",
    "ValidationReport",
    "at_risk_customers",
    "calibration_and_holdout",
    "churn_model",
    "clv_validation",
    "customer_lifetime_value",
    "fit",
    "lifetimes_dataset",
    "predict_customers",
    "read_summary_csv",
    "simulate_bgnbd",
    "summary_from_snapshot",
    "summary_from_transactions",
    "validate",
]

# Days per step of the CLV sum when the model's time unit is `freq` (lifetimes' factors).
_MONTH_IN_UNITS = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24}


class TransactionModel(Protocol):
    def predict(self, t: float, frequency: Any, recency: Any, T: Any) -> FloatArray: ...


def fit(model: ModelName, summary: CustomerSummary) -> FitResult:
    """Fit one model on a summary; parameters are named as in the papers."""
    fitter: BetaGeoFitter | ParetoNBDFitter | GammaGammaFitter
    if model is ModelName.GAMMAGAMMA:
        if summary.monetary_value is None:
            raise SummaryInvalid("The Gamma-Gamma model needs a monetary_value column.",
                                 missing=["monetary_value"])
        fitter = GammaGammaFitter().fit(summary.frequency, summary.monetary_value)
    elif model is ModelName.PARETONBD:
        fitter = ParetoNBDFitter().fit(summary.frequency, summary.recency, summary.T)
    else:
        fitter = BetaGeoFitter().fit(summary.frequency, summary.recency, summary.T)
    assert fitter.params_ is not None and fitter.log_likelihood_ is not None
    return FitResult(model=model, params=fitter.params_, log_likelihood=fitter.log_likelihood_,
                     n_customers=int(fitter.n_customers_ or 0), converged=True,
                     iterations=int(fitter.iterations_ or 0))


def customer_lifetime_value(
    transaction_model: TransactionModel, frequency: Any, recency: Any, T: Any,
    expected_spend: Any, *, months: int = 12, discount_rate: float = 0.01, freq: str = "W",
) -> FloatArray:
    """Discounted CLV per customer, lifetimes' formula: the sum over months i = 1..months of
    (expected purchases in month i) x expected spend / (1 + discount_rate)^i, where the model's
    time unit is ``freq`` ("W" weeks, "D" days, "M" months, "H" hours) and ``discount_rate``
    is monthly. ``expected_spend`` is usually Gamma-Gamma's conditional expected average."""
    if freq not in _MONTH_IN_UNITS:
        raise SummaryInvalid(f"freq must be one of {sorted(_MONTH_IN_UNITS)}.")
    if months < 1 or discount_rate <= -1:
        raise SummaryInvalid("months must be >= 1 and discount_rate > -1.")
    factor = _MONTH_IN_UNITS[freq]
    spend = np.asarray(expected_spend, dtype=np.float64)
    clv = np.zeros_like(spend)
    previous = np.zeros_like(spend)
    for i in range(1, months + 1):
        cumulative = transaction_model.predict(i * factor, frequency, recency, T)
        clv += spend * (cumulative - previous) / (1 + discount_rate) ** i
        previous = cumulative
    return clv
