"""Predicted CLV per customer of a snapshot: the RFM summary in SQL, BG/NBD or Pareto/NBD
for the purchases, Gamma-Gamma for the spend, discounted CLV, and the predicted-vs-actual
holdout check (definitions in docs/reference/metrics/clv-churn.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
from scipy import stats

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.predict.bgnbd import BetaGeoFitter
from kizuna.predict.contracts import CustomerSummary, FloatArray, ModelName
from kizuna.predict.errors import DegenerateData, FitNotConverged, SummaryInvalid
from kizuna.predict.gammagamma import GammaGammaFitter
from kizuna.predict.paretonbd import ParetoNBDFitter
from kizuna.predict.validation import CalibrationHoldout, ValidationReport, validate

_PKG = "kizuna.predict"
_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
_HISTOGRAM_BINS = 20
#: Fewer customers than this cannot identify the purchase models.
MIN_CUSTOMERS = 20
Int64Array = np.ndarray[Any, np.dtype[np.int64]]
Fitter = BetaGeoFitter | ParetoNBDFitter


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotSummary:
    """The RFM summary of a snapshot's customers (see ``clv_summary.sql``) with their integer
    ids and the historical figures the at-risk list shows. Per-customer arrays, aligned."""

    summary: CustomerSummary
    customer_id: Int64Array
    orders: Int64Array
    spend: FloatArray
    first_ordinal: Int64Array
    calibration_end: date

    def __len__(self) -> int:
        return len(self.customer_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerPrediction:
    """One customer's row of a :class:`ClvReport` (frequency/recency/T in weeks)."""

    customer_id: int
    frequency: int
    recency: float
    T: float
    monetary: float
    p_alive: float
    expected_purchases: float
    expected_spend: float
    clv: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerPredictions:
    """Per-customer arrays (not serialised; aligned, ordered by customer_id)."""

    customer_id: Int64Array
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary: FloatArray
    p_alive: FloatArray
    expected_purchases: FloatArray
    expected_spend: FloatArray
    clv: FloatArray
    spend: FloatArray  # historical spend (counted orders up to the calibration end)

    def row(self, i: int) -> CustomerPrediction:
        return CustomerPrediction(
            customer_id=int(self.customer_id[i]),
            frequency=int(self.frequency[i]),
            recency=float(self.recency[i]),
            T=float(self.T[i]),
            monetary=float(self.monetary[i]),
            p_alive=float(self.p_alive[i]),
            expected_purchases=float(self.expected_purchases[i]),
            expected_spend=float(self.expected_spend[i]),
            clv=float(self.clv[i]),
        )

    def index_of(self, customer_ids: Any) -> np.ndarray[Any, np.dtype[np.intp]]:
        """Positions of ``customer_ids`` in these arrays (-1 for unknown customers)."""
        ids = np.asarray(customer_ids, dtype=np.int64)
        pos = np.searchsorted(self.customer_id, ids)
        pos = np.minimum(pos, len(self.customer_id) - 1)
        found = self.customer_id[pos] == ids
        return np.where(found, pos, -1).astype(np.intp)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistogramBin:
    """Customers with ``low <= clv < high`` (the last bin includes ``high``)."""

    low: float
    high: float
    n: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ClvReport:
    """Predicted customer lifetime value of every customer with a counted order.

    ``params``/``log_likelihood`` are the transaction model's (weeks); ``spend_params`` the
    Gamma-Gamma model's, or None when the spend fell back to each customer's historical mean
    (``notes`` says why). Money is in ``currency``. ``mean_clv_ci_*`` is the 95 % Student t
    interval of the mean over customers. ``customers`` holds the per-customer arrays and is
    not serialised; use :meth:`top`.
    """

    model: ModelName
    params: dict[str, float]
    log_likelihood: float
    spend_model: str
    spend_params: dict[str, float] | None
    spend_log_likelihood: float | None
    calibration_end: date
    horizon_weeks: float
    months: int
    discount_rate: float
    currency: str
    n_customers: int
    n_repeat_buyers: int
    total_clv: float
    mean_clv: float
    mean_clv_ci_low: float | None
    mean_clv_ci_high: float | None
    expected_purchases: float
    n_p_alive_below_half: int
    share_p_alive_below_half: float
    clv_quantiles: dict[str, float]
    clv_histogram: tuple[HistogramBin, ...]
    notes: tuple[str, ...] = ()
    customers: CustomerPredictions = field(
        repr=False, compare=False, metadata={"per_customer": True}
    )

    def top(self, n: int = 10) -> tuple[CustomerPrediction, ...]:
        """The ``n`` customers with the highest CLV."""
        clv = self.customers.clv
        k = min(max(n, 0), len(clv))
        if k == 0:
            return ()
        idx = np.argpartition(-clv, k - 1)[:k]
        idx = idx[np.lexsort((self.customers.customer_id[idx], -clv[idx]))]
        return tuple(self.customers.row(int(i)) for i in idx)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClvValidation:
    """Predicted vs actual repeat purchases in a holdout period (local dates: calibration
    through ``calibration_end``, holdout ``calibration_end`` + 1 .. ``observation_end``).
    ``split`` says how the dates were chosen; ``report`` holds the frequency buckets, the
    weekly tracking and the errors against the naive baseline."""

    calibration_end: date
    observation_end: date
    calibration_weeks: float
    holdout_weeks: float
    split: str
    n_customers: int
    holdout_purchases: int
    report: ValidationReport


def _as_of_date(snap: Snapshot) -> date:
    return snap.as_of.astimezone(snap.zone).date()


def summary_from_snapshot(
    snap: Snapshot, *, calibration_end: date | None = None, as_of: Any = None
) -> SnapshotSummary:
    """The RFM summary (weeks) of customers with a counted order on or before
    ``calibration_end`` (a local date; default the local date of ``snap.as_of``); orders after
    ``as_of`` (naive UTC, default ``snap.as_of_naive``) are ignored."""
    end = calibration_end or _as_of_date(snap)
    cur = runner.execute(
        snap.con,
        runner.sql(_PKG, "clv_summary"),
        {"calibration_end": end, "as_of": as_of or snap.as_of_naive},
    )
    cols = cur.fetchnumpy()
    ids = np.asarray(cols["customer_id"], dtype=np.int64)
    if len(ids) == 0:
        raise DegenerateData(
            f"No customer has a counted order on or before {end}: there is "
            "nothing to predict from.",
            calibration_end=end.isoformat(),
        )
    summary = CustomerSummary(
        customer_ids=tuple(map(str, ids.tolist())),
        frequency=np.asarray(cols["frequency"], dtype=np.float64),
        recency=np.asarray(cols["recency"], dtype=np.float64),
        T=np.asarray(cols["T"], dtype=np.float64),
        monetary_value=np.asarray(cols["monetary_value"], dtype=np.float64),
    )
    return SnapshotSummary(
        summary=summary,
        customer_id=ids,
        orders=np.asarray(cols["orders"], dtype=np.int64),
        spend=np.asarray(cols["spend"], dtype=np.float64),
        first_ordinal=np.asarray(cols["first_ordinal"], dtype=np.int64),
        calibration_end=end,
    )


def _fitter(model: ModelName) -> Fitter:
    if model is ModelName.BGNBD:
        return BetaGeoFitter()
    if model is ModelName.PARETONBD:
        return ParetoNBDFitter()
    raise SummaryInvalid(
        f"The purchase model must be bgnbd or paretonbd, not {model.value}.", field="model"
    )


def require_repeat_buyers(s: CustomerSummary) -> None:
    """At least ``MIN_CUSTOMERS`` customers, some of whom bought again: below that the
    four parameters of BG/NBD or Pareto/NBD are not identified (the fit would not converge)."""
    if len(s) < MIN_CUSTOMERS:
        raise DegenerateData(
            f"Only {len(s)} customer(s) have ordered; the CLV models need at "
            f"least {MIN_CUSTOMERS} (and some repeat buyers) to be estimated.",
            n_customers=len(s),
        )
    if not np.any(s.frequency > 0):
        raise DegenerateData(
            f"None of the {len(s)} customers made a repeat purchase (on "
            "another day), so purchase rates and drop-out cannot be "
            "estimated; more order history is needed.",
            n_customers=len(s),
        )


def fit_transactions(model: ModelName, s: CustomerSummary) -> Fitter:
    """Fit BG/NBD or Pareto/NBD, with a clear message when nobody bought twice."""
    require_repeat_buyers(s)
    return _fitter(model).fit(s.frequency, s.recency, s.T)


def _spend(s: SnapshotSummary) -> tuple[FloatArray, GammaGammaFitter | None, list[str]]:
    """Expected spend per purchase: Gamma-Gamma's conditional expectation, or each
    customer's historical mean per purchase day when Gamma-Gamma cannot be fitted."""
    x = s.summary.frequency
    z = s.summary.monetary_value
    assert z is not None
    historical = s.spend / (x + 1)
    usable = (x > 0) & (z > 0)
    notes: list[str] = []
    problem: str | None = None
    if int(np.sum(x > 0)) != int(np.sum(usable)):
        notes.append(
            f"{int(np.sum((x > 0) & ~usable))} repeat buyer(s) with zero or negative "
            "mean spend were left out of the Gamma-Gamma fit."
        )
    if not usable.any():
        problem = "no repeat buyer has a positive spend"
    elif len(np.unique(z[usable])) < 2:
        problem = "fewer than two distinct repeat spends"
    else:
        try:
            gg = GammaGammaFitter().fit(x[usable], z[usable])
        except (DegenerateData, SummaryInvalid, FitNotConverged) as exc:
            problem = str(exc)
        else:
            assert gg.params_ is not None
            if gg.params_["q"] > 1:
                expected = gg.conditional_expected_average_profit(x, np.where(z > 0, z, 0.0))
                return np.asarray(expected), gg, notes
            problem = "the fitted spend distribution has no finite mean (q <= 1)"
    notes.append(
        f"The Gamma-Gamma spend model could not be used ({problem}); the expected "
        "spend per purchase is each customer's historical mean per purchase day."
    )
    return historical, None, notes


def _distinct_rows(
    s: CustomerSummary,
) -> tuple[tuple[FloatArray, FloatArray, FloatArray], np.ndarray[Any, np.dtype[np.intp]]]:
    """The distinct (frequency, recency, T) rows and each customer's row number."""
    key = np.column_stack([s.frequency, s.recency, s.T])
    if len(key) < 1000:
        return (s.frequency, s.recency, s.T), np.arange(len(key), dtype=np.intp)
    # recency and T are whole days / 7 here, so their day counts identify them exactly.
    days = np.rint(key[:, 1:] * 7).astype(np.int64)
    if (
        np.any(np.abs(days / 7 - key[:, 1:]) > 1e-9)
        or days.max() >= 2**21
        or (s.frequency.max() >= 2**21)
    ):
        return (s.frequency, s.recency, s.T), np.arange(len(key), dtype=np.intp)
    packed = (s.frequency.astype(np.int64) << 42) | (days[:, 0] << 21) | days[:, 1]
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    return (s.frequency[first], s.recency[first], s.T[first]), inverse.astype(np.intp)


def _mean_ci(values: FloatArray) -> tuple[float | None, float | None]:
    n = len(values)
    if n < 2:
        return None, None
    sd = float(np.std(values, ddof=1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    mean = float(values.mean())
    return mean - half, mean + half


def _histogram(clv: FloatArray) -> tuple[HistogramBin, ...]:
    """20 equal-width bins from min(0, min) to the 99th percentile, plus one bin for the
    top 1 % up to the maximum (CLV is long-tailed)."""
    low = min(0.0, float(clv.min()))
    p99, top = float(np.quantile(clv, 0.99)), float(clv.max())
    if p99 <= low:
        return (HistogramBin(low=low, high=top, n=len(clv)),)
    edges = np.linspace(low, p99, _HISTOGRAM_BINS + 1)
    if top > p99:
        edges = np.append(edges, top)
    counts, _ = np.histogram(clv, bins=edges)
    return tuple(
        HistogramBin(low=float(a), high=float(b), n=int(c))
        for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)
    )


def predict_customers(
    snap: Snapshot,
    *,
    model: ModelName | Literal["bgnbd", "paretonbd"] = "bgnbd",
    horizon_weeks: float = 52,
    months: int = 12,
    discount_rate: float = 0.01,
    calibration_end: date | None = None,
) -> ClvReport:
    """Fit the purchase model and Gamma-Gamma on the snapshot's customers and predict, per
    customer: P(alive), expected purchases in the next ``horizon_weeks``, expected spend per
    purchase and the CLV over ``months`` months discounted at ``discount_rate`` a month
    (``kizuna.predict.api.customer_lifetime_value``)."""
    kind = ModelName(model)
    if horizon_weeks <= 0:
        raise SummaryInvalid("horizon_weeks must be > 0.", field="horizon_weeks")
    s = summary_from_snapshot(snap, calibration_end=calibration_end)
    rft = s.summary
    spend_total = float(s.spend.sum())
    if not np.any(s.spend != 0):
        raise DegenerateData(
            f"All {int(s.orders.sum())} counted orders have a zero total, so "
            "there is no value to predict.",
            n_customers=len(s),
        )
    fitter = fit_transactions(kind, rft)
    assert fitter.params_ is not None and fitter.log_likelihood_ is not None
    # The predictions depend on (x, t_x, T) only, which many customers share (whole days):
    # compute them once per distinct row and gather.
    (x, t_x, t), inverse = _distinct_rows(rft)
    p_alive = fitter.conditional_probability_alive(x, t_x, t)[inverse]
    purchases = fitter.conditional_expected_number_of_purchases_up_to_time(
        float(horizon_weeks), x, t_x, t
    )[inverse]
    expected_spend, gg, notes = _spend(s)
    from kizuna.predict.api import customer_lifetime_value  # the facade imports this module

    # CLV is linear in the expected spend: the discounted purchases per unit of spend, times it.
    per_unit = customer_lifetime_value(
        fitter, x, t_x, t, np.ones(len(x)), months=months, discount_rate=discount_rate, freq="W"
    )
    clv = np.asarray(per_unit[inverse] * expected_spend)
    if spend_total < 0:
        notes.append("The historical spend is negative in total (refunds?); check the data.")
    low, high = _mean_ci(clv)
    below = int(np.sum(p_alive < 0.5))
    assert rft.monetary_value is not None
    customers = CustomerPredictions(
        customer_id=s.customer_id,
        frequency=rft.frequency,
        recency=rft.recency,
        T=rft.T,
        monetary=rft.monetary_value,
        p_alive=p_alive,
        expected_purchases=purchases,
        expected_spend=np.asarray(expected_spend, dtype=np.float64),
        clv=clv,
        spend=s.spend,
    )
    return ClvReport(
        model=kind,
        params=dict(fitter.params_),
        log_likelihood=float(fitter.log_likelihood_),
        spend_model=ModelName.GAMMAGAMMA.value if gg else "historical-mean",
        spend_params=dict(gg.params_) if gg and gg.params_ else None,
        spend_log_likelihood=float(gg.log_likelihood_) if gg and gg.log_likelihood_ else None,
        calibration_end=s.calibration_end,
        horizon_weeks=float(horizon_weeks),
        months=months,
        discount_rate=discount_rate,
        currency=snap.currency,
        n_customers=len(s),
        n_repeat_buyers=int(np.sum(rft.frequency > 0)),
        total_clv=float(clv.sum()),
        mean_clv=float(clv.mean()),
        mean_clv_ci_low=low,
        mean_clv_ci_high=high,
        expected_purchases=float(purchases.sum()),
        n_p_alive_below_half=below,
        share_p_alive_below_half=below / len(s),
        clv_quantiles={
            f"p{round(q * 100)}": float(v)
            for q, v in zip(_QUANTILES, np.quantile(clv, _QUANTILES), strict=True)
        }
        | {"max": float(clv.max())},
        clv_histogram=_histogram(clv),
        notes=tuple(notes),
        customers=customers,
    )


def _split(
    snap: Snapshot, calibration_weeks: float | None, holdout_weeks: float | None
) -> tuple[date, date, str]:
    span = runner.one(snap.con, _PKG, "clv_order_span", as_of=snap.as_of_naive)
    if not span["orders"]:
        raise DegenerateData("There are no counted orders to validate the model on.")
    first: date = span["first_day"]
    last = _as_of_date(snap)
    if calibration_weeks is not None:
        cal_end = first + timedelta(days=round(calibration_weeks * 7))
        obs_end = (
            cal_end + timedelta(days=round(holdout_weeks * 7))
            if holdout_weeks is not None
            else last
        )
        rule = f"calibration: the first {calibration_weeks:g} weeks from the first order; " + (
            f"holdout: the next {holdout_weeks:g} weeks"
            if holdout_weeks is not None
            else "holdout: the rest up to the as-of date"
        )
    elif holdout_weeks is not None:
        obs_end = last
        cal_end = last - timedelta(days=round(holdout_weeks * 7))
        rule = f"holdout: the last {holdout_weeks:g} weeks before the as-of date"
    else:
        obs_end = last
        cal_end = last - timedelta(days=(last - first).days // 3)
        rule = "holdout: the last third of the order history (first order to the as-of date)"
    if obs_end > last:
        raise SummaryInvalid(
            f"The holdout would end on {obs_end}, after the as-of date {last}.",
            field="holdout_weeks",
        )
    if not first <= cal_end < obs_end:
        raise DegenerateData(
            f"The order history ({first} to {last}) is too short for a "
            f"calibration period ending {cal_end} and a holdout to {obs_end}."
        )
    return cal_end, obs_end, rule


def clv_validation(
    snap: Snapshot,
    *,
    model: ModelName | Literal["bgnbd", "paretonbd"] = "bgnbd",
    calibration_weeks: float | None = None,
    holdout_weeks: float | None = None,
) -> ClvValidation:
    """Split the order history at a calibration end, fit on the calibration period and
    compare with the holdout (``kizuna.predict.validation.validate``): mean predicted vs
    actual repeat purchase days per calibration frequency (0..7+), cumulative weekly repeat
    purchases, and MAE/RMSE against the naive baseline. Default split: the holdout is the
    last third of the days from the first counted order to the as-of date."""
    kind = ModelName(model)
    cal_end, obs_end, rule = _split(snap, calibration_weeks, holdout_weeks)
    s = summary_from_snapshot(snap, calibration_end=cal_end)
    params = {"calibration_end": cal_end, "observation_end": obs_end, "as_of": snap.as_of_naive}
    hold = runner.execute(snap.con, runner.sql(_PKG, "clv_holdout"), params).fetchnumpy()
    if not np.array_equal(np.asarray(hold["customer_id"], dtype=np.int64), s.customer_id):
        raise AssertionError("clv_holdout and clv_summary disagree on the customers")
    days = runner.execute(snap.con, runner.sql(_PKG, "clv_repeat_days"), params).fetchnumpy()
    repeats = np.repeat(
        np.asarray(days["ordinal"], dtype=np.int64), np.asarray(days["n"], dtype=np.int64)
    )
    frequency_holdout = np.asarray(hold["frequency_holdout"], dtype=np.float64)
    if not frequency_holdout.any():
        raise DegenerateData(
            f"None of the {len(s)} calibration customers bought between "
            f"{cal_end} and {obs_end}: nothing to validate against."
        )
    _fitter(kind)  # a clear error for a wrong model before any work
    require_repeat_buyers(s.summary)
    rft = s.summary
    assert rft.monetary_value is not None
    data = CalibrationHoldout(
        customer_ids=rft.customer_ids,
        frequency_cal=rft.frequency,
        recency_cal=rft.recency,
        T_cal=rft.T,
        monetary_value_cal=rft.monetary_value,
        frequency_holdout=frequency_holdout,
        duration_holdout=(obs_end - cal_end).days / 7.0,
        calibration_end=cal_end,
        observation_end=obs_end,
        freq="W",
        first_purchase=s.first_ordinal,
        repeat_purchases=repeats,
    )
    first = date.fromordinal(int(s.first_ordinal.min()))
    return ClvValidation(
        calibration_end=cal_end,
        observation_end=obs_end,
        calibration_weeks=(cal_end - first).days / 7.0,
        holdout_weeks=(obs_end - cal_end).days / 7.0,
        split=rule,
        n_customers=len(s),
        holdout_purchases=int(frequency_holdout.sum()),
        report=validate(kind, data),
    )
