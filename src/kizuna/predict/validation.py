"""Calibration / holdout validation of the transaction models (BG/NBD, Pareto/NBD).

The classic checks of Fader, Hardie & Lee (2005, "Counting Your Customers" the Easy Way):
fit on a calibration period, then compare with what the customers did in the holdout period
(1) per calibration frequency bucket (their Figure 5: conditional expectations), (2) as
cumulative repeat transactions week by week (their Figure 3: the tracking plot), and (3) as
per-customer error figures against a naive baseline (calibration rate x holdout length).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from kizuna.predict.bgnbd import BetaGeoFitter
from kizuna.predict.contracts import CustomerSummary, FloatArray, ModelName
from kizuna.predict.errors import TransactionsInvalid
from kizuna.predict.paretonbd import ParetoNBDFitter
from kizuna.predict.summary import (
    DAYS_PER_UNIT,
    Freq,
    TransactionRow,
    as_date,
    summary_from_transactions,
)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationHoldout:
    """Per-customer calibration summary and holdout counts (lifetimes'
    ``calibration_and_holdout_data``): customers are those who bought by ``calibration_end``;
    ``frequency_holdout`` counts their purchase days in (calibration_end, observation_end];
    ``duration_holdout`` is that period's length in the time unit ``freq``. The ordinal
    dates of first purchases and of all repeat purchase days up to ``observation_end`` are
    kept for the tracking plot."""

    customer_ids: tuple[str, ...]
    frequency_cal: FloatArray
    recency_cal: FloatArray
    T_cal: FloatArray
    monetary_value_cal: FloatArray
    frequency_holdout: FloatArray
    duration_holdout: float
    calibration_end: date
    observation_end: date
    freq: Freq
    first_purchase: IntArray
    repeat_purchases: IntArray

    def __len__(self) -> int:
        return len(self.customer_ids)

    @property
    def calibration(self) -> CustomerSummary:
        return CustomerSummary(customer_ids=self.customer_ids, frequency=self.frequency_cal,
                               recency=self.recency_cal, T=self.T_cal,
                               monetary_value=self.monetary_value_cal)


@dataclass(frozen=True, slots=True, kw_only=True)
class FrequencyBucket:
    """Customers with ``frequency`` repeat purchases in calibration (the last bucket is
    "k+"): their mean actual and mean predicted purchases in the holdout period."""

    frequency: str
    n_customers: int
    actual_mean: float
    predicted_mean: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackingPoint:
    """Cumulative repeat transactions from the start of the data to the end of ``period``
    (1-based, in the time unit; the last one ends on the observation end)."""

    period: int
    end: date
    actual: float
    predicted: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorFigures:
    """Per-customer holdout errors of the model and of the naive baseline (each customer's
    calibration repeat rate frequency_cal / T_cal times the holdout length); a ratio below 1
    means the model beats the baseline. Totals are summed over customers."""

    mae: float
    rmse: float
    baseline_mae: float
    baseline_rmse: float
    mae_ratio: float
    rmse_ratio: float
    actual_total: float
    predicted_total: float
    baseline_total: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationReport:
    model: ModelName
    params: dict[str, float]
    log_likelihood: float
    n_customers: int
    duration_holdout: float
    buckets: tuple[FrequencyBucket, ...]
    tracking: tuple[TrackingPoint, ...]
    errors: ErrorFigures


def calibration_and_holdout(
    rows: Iterable[TransactionRow], calibration_end: date, observation_end: date, *,
    freq: Freq = "W", date_format: str | None = None, today: date | None = None,
) -> CalibrationHoldout:
    """Split transactions at ``calibration_end`` (inclusive) and ``observation_end``
    (inclusive; later ones are ignored). The calibration summary is
    :func:`summary_from_transactions`' (same-day purchases count once, fractional weeks);
    holdout purchases count once per day too. Customers first seen in the holdout are left
    out, as in lifetimes."""
    if observation_end <= calibration_end:
        raise TransactionsInvalid(f"The observation end {observation_end} must come after the "
                                  f"calibration end {calibration_end}.")
    if today is not None and observation_end > today:
        raise TransactionsInvalid(f"The observation end {observation_end} is in the future.")
    kept = list(rows)
    summary = summary_from_transactions(kept, calibration_end, freq=freq,
                                        date_format=date_format, today=today)
    days: dict[str, set[date]] = {}
    for customer, when, _ in kept:
        day = as_date(when, date_format)
        if day <= observation_end:
            days.setdefault(str(customer), set()).add(day)
    index = {cid: i for i, cid in enumerate(summary.customer_ids)}
    holdout = np.zeros(len(index))
    first = np.zeros(len(index), dtype=np.int64)
    repeats: list[int] = []
    for cid, i in index.items():
        ordered = sorted(days[cid])
        first[i] = ordered[0].toordinal()
        repeats.extend(d.toordinal() for d in ordered[1:])
        holdout[i] = sum(1 for d in ordered if d > calibration_end)
    if not holdout.any():
        raise TransactionsInvalid(f"No purchases by calibration customers between "
                                  f"{calibration_end} and {observation_end}: nothing to "
                                  "validate against; check the dates.")
    money = summary.monetary_value
    assert money is not None
    return CalibrationHoldout(
        customer_ids=summary.customer_ids, frequency_cal=summary.frequency,
        recency_cal=summary.recency, T_cal=summary.T, monetary_value_cal=money,
        frequency_holdout=holdout,
        duration_holdout=(observation_end - calibration_end).days / DAYS_PER_UNIT[freq],
        calibration_end=calibration_end, observation_end=observation_end, freq=freq,
        first_purchase=first, repeat_purchases=np.sort(np.asarray(repeats, dtype=np.int64)))


def expected_purchases_new_customer(fitter: BetaGeoFitter | ParetoNBDFitter,
                                    t: FloatArray) -> FloatArray:
    """E[X(t)]: expected repeat purchases in (0, t] of a customer who bought at time 0
    (BG/NBD: FHL 2005 eq. 9; Pareto/NBD: Schmittlein et al. 1987 eq. 17)."""
    if isinstance(fitter, BetaGeoFitter):
        return fitter.expected_number_of_purchases_up_to_time(t)
    p = fitter.params_
    assert p is not None
    r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
    if abs(s - 1) < 1e-9:
        return np.asarray(r * beta / alpha * np.log1p(t / beta))
    return np.asarray(r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1)))


def frequency_buckets(frequency_cal: FloatArray, actual: FloatArray, predicted: FloatArray,
                      max_bucket: int = 7) -> tuple[FrequencyBucket, ...]:
    """Mean actual and predicted holdout purchases by calibration frequency 0..max_bucket+
    (empty buckets are left out)."""
    bucket = np.minimum(frequency_cal, max_bucket).astype(np.int64)
    out = []
    for k in range(max_bucket + 1):
        mask = bucket == k
        if mask.any():
            out.append(FrequencyBucket(
                frequency=f"{k}+" if k == max_bucket else str(k), n_customers=int(mask.sum()),
                actual_mean=float(actual[mask].mean()),
                predicted_mean=float(predicted[mask].mean())))
    return tuple(out)


def tracking(data: CalibrationHoldout,
             fitter: BetaGeoFitter | ParetoNBDFitter) -> tuple[TrackingPoint, ...]:
    """Cumulative repeat transactions at the end of each period from the first purchase in
    the data to the observation end, actual vs the sum over customers of E[X(t_i)], t_i the
    time from customer i's first purchase to the period's last day (FHL 2005 Figure 3;
    lifetimes' ``expected_cumulative_transactions``). The period ending on the calibration
    end has t_i = T_cal."""
    unit = int(DAYS_PER_UNIT[data.freq])
    start = int(data.first_purchase.min())
    stop = data.observation_end.toordinal()
    ends = [*range(start + unit - 1, stop, unit), stop]
    points = []
    for k, end in enumerate(ends, 1):
        elapsed = (end - data.first_purchase[data.first_purchase <= end]) / unit
        predicted = float(expected_purchases_new_customer(
            fitter, elapsed.astype(np.float64)).sum())
        actual = float(np.searchsorted(data.repeat_purchases, end, side="right"))
        points.append(TrackingPoint(period=k, end=date.fromordinal(end), actual=actual,
                                    predicted=predicted))
    return tuple(points)


def error_figures(actual: FloatArray, predicted: FloatArray,
                  baseline: FloatArray) -> ErrorFigures:
    def mae(p: FloatArray) -> float:
        return float(np.mean(np.abs(p - actual)))

    def rmse(p: FloatArray) -> float:
        return float(np.sqrt(np.mean((p - actual) ** 2)))

    b_mae, b_rmse = mae(baseline), rmse(baseline)
    return ErrorFigures(
        mae=mae(predicted), rmse=rmse(predicted), baseline_mae=b_mae, baseline_rmse=b_rmse,
        mae_ratio=mae(predicted) / b_mae if b_mae > 0 else float("inf"),
        rmse_ratio=rmse(predicted) / b_rmse if b_rmse > 0 else float("inf"),
        actual_total=float(actual.sum()), predicted_total=float(predicted.sum()),
        baseline_total=float(baseline.sum()))


def naive_baseline(data: CalibrationHoldout) -> FloatArray:
    """Each customer's calibration repeat rate (frequency_cal / T_cal; 0 when T_cal is 0)
    times the holdout length."""
    t = data.T_cal
    rate = np.divide(data.frequency_cal, t, out=np.zeros_like(t), where=t > 0)
    return np.asarray(rate * data.duration_holdout)


def validate(model: ModelName, data: CalibrationHoldout, *,
             max_bucket: int = 7) -> ValidationReport:
    """Fit ``model`` (bgnbd or paretonbd) on the calibration summary and compare its
    holdout predictions E[Y(duration_holdout) | x, t_x, T] with the actual holdout
    purchases: by frequency bucket, over time, and against the naive baseline."""
    fitter: BetaGeoFitter | ParetoNBDFitter
    if model is ModelName.BGNBD:
        fitter = BetaGeoFitter()
    elif model is ModelName.PARETONBD:
        fitter = ParetoNBDFitter()
    else:
        raise TransactionsInvalid(f"Holdout validation needs a transaction model (bgnbd or "
                                  f"paretonbd), not {model.value}.")
    fitter.fit(data.frequency_cal, data.recency_cal, data.T_cal)
    assert fitter.params_ is not None and fitter.log_likelihood_ is not None
    predicted = fitter.conditional_expected_number_of_purchases_up_to_time(
        data.duration_holdout, data.frequency_cal, data.recency_cal, data.T_cal)
    actual = data.frequency_holdout
    return ValidationReport(
        model=model, params=dict(fitter.params_), log_likelihood=fitter.log_likelihood_,
        n_customers=len(data), duration_holdout=data.duration_holdout,
        buckets=frequency_buckets(data.frequency_cal, actual, predicted, max_bucket),
        tracking=tracking(data, fitter),
        errors=error_figures(actual, predicted, naive_baseline(data)))
