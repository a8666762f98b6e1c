"""Churn propensity of a snapshot's customers: behavioural features in SQL as of a cutoff, a
logistic regression trained and tested on a time split, calibration and the P(alive)
baseline, and the list of high-value customers at risk (docs/reference/metrics/clv-churn.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.clock import as_utc
from kizuna.predict.bgnbd import BetaGeoFitter
from kizuna.predict.contracts import FloatArray
from kizuna.predict.customers import (
    ClvReport,
    Int64Array,
    predict_customers,
    require_repeat_buyers,
    summary_from_snapshot,
)
from kizuna.predict.errors import DegenerateData, FitNotConverged, SummaryInvalid

_PKG = "kizuna.predict"
MIN_CUSTOMERS = 50
BOOTSTRAP = 1000
SEED = 20260601
FEATURES = (
    "recency_days",
    "frequency",
    "monetary_total",
    "monetary_mean",
    "tenure_days",
    "orders_90d",
    "orders_180d",
    "sessions_30d",
    "sessions_90d",
    "product_views_30d",
    "product_views_90d",
    "email_opens_90d",
    "email_clicks_90d",
    "days_since_session",
)
SCORING = (
    "the classifier refitted on the test split (features at as_of - inactive_days, "
    "labels up to as_of) scores the features of every customer at as_of"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChurnSplit:
    """Customers with a counted order on or before ``cutoff`` (aware UTC); churned = no
    counted order in (cutoff, label_end]."""

    cutoff: datetime
    label_end: datetime
    n: int
    n_churned: int
    churn_rate: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationBin:
    """Test customers with a predicted churn probability in [low, high): the mean
    prediction and the observed churn share (None for an empty bin)."""

    low: float
    high: float
    n: int
    mean_predicted: float | None
    observed: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChurnScores:
    """Per-customer churn probability at as_of (not serialised; ordered by customer_id)."""

    customer_id: Int64Array
    churn_probability: FloatArray


@dataclass(frozen=True, slots=True, kw_only=True)
class ChurnReport:
    """A churn classifier evaluated on a time split and applied at ``as_of``.

    ``auc`` (with its 95 % bootstrap interval), ``brier`` and ``calibration`` are measured on
    the test split by the model trained on the train split; ``brier_baseline`` predicts the
    train churn rate for everyone; ``baseline_auc`` scores the test split with 1 − P(alive)
    of BG/NBD fitted at the test cutoff (None if BG/NBD cannot be fitted, see ``notes``).
    ``coefficients`` are the refitted model's standardised log-odds per feature (positive:
    more churn). ``scores`` holds the per-customer probabilities and is not serialised.
    """

    model: str
    inactive_days: int
    as_of: datetime
    features: tuple[str, ...]
    train: ChurnSplit
    test: ChurnSplit
    auc: float
    auc_ci_low: float
    auc_ci_high: float
    brier: float
    brier_baseline: float
    baseline_auc: float | None
    baseline_auc_ci_low: float | None
    baseline_auc_ci_high: float | None
    calibration: tuple[CalibrationBin, ...]
    n_scored: int
    n_scored_at_risk: int
    mean_churn_probability: float
    scoring: str
    coefficients: dict[str, float]
    notes: tuple[str, ...] = ()
    scores: ChurnScores = field(repr=False, compare=False, metadata={"per_customer": True})


@dataclass(frozen=True, slots=True, kw_only=True)
class AtRiskCustomer:
    """A customer likely to churn, ranked by ``value_at_risk`` = ``value`` × churn
    probability. ``basis`` is "classifier" (churn probability from :func:`churn_model`) or
    "p_alive" (1 − P(alive) of the CLV model, when the classifier cannot be trained);
    ``value_basis`` is "clv" or "historical-spend"."""

    customer_id: int
    external_id: str | None
    email: str | None
    country: str | None
    last_order_date: date | None
    orders: int
    spend: float
    p_alive: float | None
    churn_probability: float
    clv: float | None
    value: float
    value_at_risk: float
    basis: str
    value_basis: str


def _features(
    snap: Snapshot, cutoff: datetime, label_end: datetime
) -> tuple[Int64Array, FloatArray, FloatArray]:
    cur = runner.execute(
        snap.con, runner.sql(_PKG, "churn_features"), {"cutoff": cutoff, "label_end": label_end}
    )
    cols = cur.fetchnumpy()
    ids = np.asarray(cols["customer_id"], dtype=np.int64)
    x = (
        np.column_stack([np.asarray(cols[f], dtype=np.float64) for f in FEATURES])
        if len(ids)
        else np.zeros((0, len(FEATURES)))
    )
    y = np.asarray(cols["churned"], dtype=np.float64)
    return ids, x, y


def _split(name: str, cutoff: datetime, label_end: datetime, y: FloatArray) -> ChurnSplit:
    n, churned = len(y), int(y.sum())
    when = f"the {name} split (features at {cutoff:%Y-%m-%d}, labels to {label_end:%Y-%m-%d})"
    if n < MIN_CUSTOMERS:
        raise DegenerateData(
            f"Only {n} customer(s) had ordered before {when}; the churn model "
            f"needs at least {MIN_CUSTOMERS} — more order history is needed.",
            split=name,
            n=n,
        )
    if churned in (0, n):
        kind = "churned" if churned else "ordered again"
        raise DegenerateData(
            f"All {n} customers of {when} {kind}: one class only, so churn "
            "cannot be learnt; try another inactive_days.",
            split=name,
            n=n,
        )
    return ChurnSplit(
        cutoff=cutoff, label_end=label_end, n=n, n_churned=churned, churn_rate=churned / n
    )


def _signed_log(x: FloatArray) -> FloatArray:
    return np.asarray(np.sign(x) * np.log1p(np.abs(x)))


def _pipeline() -> Pipeline:
    """Signed log of every feature (counts, days and money are long-tailed), the median for
    a missing value plus a missing-indicator (days_since_session of customers who never
    visited), standardisation, then an L2-regularised logistic regression."""
    return Pipeline(
        [
            ("log", FunctionTransformer(_signed_log)),
            (
                "impute",
                SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            ),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=1.0, max_iter=1000, random_state=0)),
        ]
    )


def _coefficients(clf: Pipeline) -> dict[str, float]:
    """Standardised coefficients (log-odds of churn per standard deviation of the signed-log
    feature), by feature name."""
    model = clf.named_steps["model"]
    imputer = clf.named_steps["impute"]
    names = list(FEATURES)
    indicator = getattr(imputer, "indicator_", None)
    if indicator is not None:
        names += [f"{FEATURES[i]}_missing" for i in indicator.features_]
    return {n: round(float(c), 4) for n, c in zip(names, model.coef_[0], strict=True)}


def bootstrap_auc(
    y: FloatArray, score: FloatArray, *, n_boot: int = BOOTSTRAP, seed: int = SEED
) -> tuple[float, float]:
    """95 % percentile interval of the AUC over ``n_boot`` resamples of the customers
    (fixed seed). Each resample is a weight vector over the score-sorted customers, so one
    sort serves all; resamples with a single class are skipped."""
    order = np.argsort(score, kind="mergesort")
    s, yy = score[order], y[order]
    n = len(s)
    starts = np.flatnonzero(np.r_[True, np.diff(s) != 0])
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, 4_000_000 // max(n, 1)))
    aucs: list[FloatArray] = []
    for done in range(0, n_boot, chunk):
        b = min(chunk, n_boot - done)
        draws = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        w = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)
        pos = np.add.reduceat(w * yy, starts, axis=1)
        neg = np.add.reduceat(w * (1 - yy), starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        with np.errstate(invalid="ignore", divide="ignore"):
            aucs.append(
                (pos * (below + 0.5 * neg)).sum(axis=1) / (pos.sum(axis=1) * neg.sum(axis=1))
            )
    values = np.concatenate(aucs)
    values = values[np.isfinite(values)]
    low, high = np.quantile(values, [0.025, 0.975])
    return float(low), float(high)


def _calibration(y: FloatArray, p: FloatArray, bins: int = 10) -> tuple[CalibrationBin, ...]:
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    out = []
    for k in range(bins):
        mask = which == k
        n = int(mask.sum())
        out.append(
            CalibrationBin(
                low=k / bins,
                high=(k + 1) / bins,
                n=n,
                mean_predicted=float(p[mask].mean()) if n else None,
                observed=float(y[mask].mean()) if n else None,
            )
        )
    return tuple(out)


def _p_alive_baseline(
    snap: Snapshot, cutoff: datetime, ids: Int64Array, y: FloatArray, notes: list[str]
) -> tuple[float | None, float | None, float | None]:
    local_end = as_utc(cutoff).astimezone(snap.zone).date()
    try:
        s = summary_from_snapshot(
            snap, calibration_end=local_end, as_of=as_utc(cutoff).replace(tzinfo=None)
        )
        require_repeat_buyers(s.summary)
        fitter = BetaGeoFitter().fit(s.summary.frequency, s.summary.recency, s.summary.T)
        p_alive = fitter.conditional_probability_alive(
            s.summary.frequency, s.summary.recency, s.summary.T
        )
    except (DegenerateData, SummaryInvalid, FitNotConverged) as exc:
        notes.append(
            f"No P(alive) baseline: BG/NBD could not be fitted at the test cutoff ({exc})."
        )
        return None, None, None
    alive = _lookup(ids, s.customer_id, p_alive)
    if not np.isfinite(alive).all():
        notes.append(
            f"{int((~np.isfinite(alive)).sum())} test customer(s) had no P(alive); scored 0.5."
        )
    score = np.where(np.isfinite(alive), 1 - alive, 0.5)
    low, high = bootstrap_auc(y, score)
    return float(roc_auc_score(y, score)), low, high


def churn_model(snap: Snapshot, *, inactive_days: int = 90) -> ChurnReport:
    """Train a churn classifier on the snapshot with a time split and score every customer.

    Churned = no counted order in the ``inactive_days`` after a cutoff, among customers with
    a counted order on or before it. Train: features at t1 = as_of − 2 × inactive_days,
    labels from (t1, t1 + inactive_days]; test: features at t2 = as_of − inactive_days,
    labels from (t2, as_of]. Customers at as_of are scored by the model refitted on the test
    split. Fewer than 50 customers or a single class in a split raise ``DegenerateData``.
    """
    if inactive_days < 1:
        raise SummaryInvalid("inactive_days must be >= 1.", field="inactive_days")
    now = snap.as_of_naive
    window = timedelta(days=inactive_days)
    t1, t2 = now - 2 * window, now - window
    _, x_train, y_train = _features(snap, t1, t2)
    train = _split("train", as_utc(t1), as_utc(t2), y_train)
    test_ids, x_test, y_test = _features(snap, t2, now)
    test = _split("test", as_utc(t2), as_utc(now), y_test)
    notes: list[str] = []
    clf = _pipeline().fit(x_train, y_train)
    p_test = clf.predict_proba(x_test)[:, 1]
    auc = float(roc_auc_score(y_test, p_test))
    auc_low, auc_high = bootstrap_auc(y_test, p_test)
    base_auc, base_low, base_high = _p_alive_baseline(snap, as_utc(t2), test_ids, y_test, notes)
    final = _pipeline().fit(x_test, y_test)
    ids_now, x_now, _ = _features(snap, now, now)
    p_now = final.predict_proba(x_now)[:, 1]
    return ChurnReport(
        model="LogisticRegression",
        inactive_days=inactive_days,
        as_of=snap.as_of,
        features=FEATURES,
        train=train,
        test=test,
        auc=auc,
        auc_ci_low=auc_low,
        auc_ci_high=auc_high,
        brier=float(brier_score_loss(y_test, p_test)),
        brier_baseline=float(brier_score_loss(y_test, np.full(len(y_test), train.churn_rate))),
        baseline_auc=base_auc,
        baseline_auc_ci_low=base_low,
        baseline_auc_ci_high=base_high,
        calibration=_calibration(y_test, p_test),
        n_scored=len(ids_now),
        n_scored_at_risk=int(np.sum(p_now >= 0.5)),
        mean_churn_probability=float(p_now.mean()) if len(p_now) else 0.0,
        scoring=SCORING,
        coefficients=_coefficients(final),
        notes=tuple(notes),
        scores=ChurnScores(customer_id=ids_now, churn_probability=p_now),
    )


def _lookup(ids: Int64Array, table: Int64Array, values: FloatArray) -> FloatArray:
    """``values`` of ``ids`` in the sorted id array ``table`` (NaN where absent)."""
    if len(table) == 0:
        return np.full(len(ids), np.nan)
    pos = np.minimum(np.searchsorted(table, ids), len(table) - 1)
    return np.where(table[pos] == ids, values[pos], np.nan)


def at_risk_customers(
    snap: Snapshot,
    *,
    limit: int = 50,
    threshold: float = 0.5,
    inactive_days: int = 90,
    clv: ClvReport | None = None,
    churn: ChurnReport | None = None,
) -> list[AtRiskCustomer]:
    """High-value customers likely to churn, ranked by value at risk = CLV (or historical
    spend where there is no CLV) × churn probability. Churn probability comes from
    :func:`churn_model` (customers with probability >= ``threshold``), or, when it cannot be
    trained, is 1 − P(alive) of the CLV model (customers with P(alive) < ``threshold``).
    Pass already computed reports as ``clv`` / ``churn`` to avoid fitting twice."""
    if clv is None:
        try:
            clv = predict_customers(snap)
        except (DegenerateData, SummaryInvalid, FitNotConverged):
            clv = None
    if churn is None:
        try:
            churn = churn_model(snap, inactive_days=inactive_days)
        except DegenerateData:
            churn = None
    if churn is not None:
        ids, prob, basis = churn.scores.customer_id, churn.scores.churn_probability, "classifier"
        chosen = prob >= threshold
    elif clv is not None:
        ids, prob, basis = clv.customers.customer_id, 1 - clv.customers.p_alive, "p_alive"
        chosen = clv.customers.p_alive < threshold
    else:
        raise DegenerateData(
            "Neither the churn classifier nor the CLV model could be fitted on "
            "this data, so nobody can be ranked at risk; more order history "
            "is needed."
        )
    ids, prob = ids[chosen], prob[chosen]
    if clv is not None:
        value = _lookup(ids, clv.customers.customer_id, clv.customers.clv)
        p_alive = _lookup(ids, clv.customers.customer_id, clv.customers.p_alive)
        spend = _lookup(ids, clv.customers.customer_id, clv.customers.spend)
    else:
        value = p_alive = np.full(len(ids), np.nan)
        spend = np.full(len(ids), np.nan)
    has_clv = np.isfinite(value)
    if not has_clv.all():
        hist = summary_from_snapshot(snap)
        spend = np.where(np.isfinite(spend), spend, _lookup(ids, hist.customer_id, hist.spend))
    worth = np.where(has_clv, value, np.nan_to_num(spend))
    at_risk = worth * prob
    k = min(max(limit, 0), len(ids))
    order = np.lexsort((ids, -at_risk))[:k]
    details = {
        r["customer_id"]: r
        for r in runner.rows(
            snap.con,
            _PKG,
            "at_risk_customers",
            ids=[int(i) for i in ids[order]],
            as_of=snap.as_of_naive,
        )
    }
    out = []
    for i in order:
        cid = int(ids[i])
        d = details.get(cid, {})
        out.append(
            AtRiskCustomer(
                customer_id=cid,
                external_id=d.get("external_id"),
                email=d.get("email"),
                country=d.get("country"),
                last_order_date=d.get("last_order_date"),
                orders=int(d.get("orders", 0)),
                spend=float(d.get("spend", 0.0)),
                p_alive=float(p_alive[i]) if np.isfinite(p_alive[i]) else None,
                churn_probability=float(prob[i]),
                clv=float(value[i]) if has_clv[i] else None,
                value=float(worth[i]),
                value_at_risk=float(at_risk[i]),
                basis=basis,
                value_basis="clv" if has_clv[i] else "historical-spend",
            )
        )
    return out
