"""Errors of the predictive (CLV) models."""

from __future__ import annotations

from kizuna.errors import Invalid, KizunaError


class ModelNotFitted(KizunaError):
    """This model has not been fitted yet: call `fit(...)` (or `kizuna clv fit`) first."""

    code, status = "clv-model-not-fitted", 409


class SummaryInvalid(Invalid):
    """The customer summary cannot be used; it needs frequency, recency and T (in the same
    time unit, 0 <= recency <= T, whole-number frequency >= 0) for at least one customer."""

    code = "clv-summary-invalid"


class TransactionsInvalid(Invalid):
    """The transactions cannot be summarised; check the column names, date format and the
    calibration end date."""

    code = "clv-transactions-invalid"


class DegenerateData(Invalid):
    """The data cannot identify the model (e.g. no repeat buyers, or no positive spend);
    collect more history or use a longer calibration period."""

    code = "clv-degenerate-data"


class FitNotConverged(KizunaError):
    """The maximum-likelihood fit did not converge; check the data for outliers or a wrong
    time unit, or try another model."""

    code, status = "clv-fit-not-converged", 422
