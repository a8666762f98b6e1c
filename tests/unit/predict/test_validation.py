"""Calibration / holdout validation: the CDNOW figures and the bookkeeping on small data."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from kizuna.predict import api
from kizuna.predict.contracts import ModelName
from kizuna.predict.errors import DegenerateData, TransactionsInvalid
from kizuna.predict.validation import expected_purchases_new_customer, naive_baseline

# Fader, Hardie & Lee (2005): 39 weeks of calibration (1997-01-01 .. 1997-09-30) and a
# 39-week holdout (weeks 40-78, to 1998-06-30).
CAL_END, OBS_END = date(1997, 9, 30), date(1998, 6, 30)


@pytest.fixture(scope="module")
def cdnow() -> api.CalibrationHoldout:
    with api.lifetimes_dataset("CDNOW_sample.txt").open() as fh:
        rows = [(r[0], r[2], r[4]) for r in (line.split() for line in fh) if r]
    return api.calibration_and_holdout(rows, CAL_END, OBS_END, date_format="%Y%m%d",
                                       today=date.today())


@pytest.fixture(scope="module")
def bgnbd(cdnow: api.CalibrationHoldout) -> api.ValidationReport:
    return api.validate(ModelName.BGNBD, cdnow)


def test_cdnow_split(cdnow: api.CalibrationHoldout) -> None:
    assert len(cdnow) == 2357
    assert cdnow.duration_holdout == 39.0
    assert cdnow.frequency_cal.sum() == 2457  # repeat purchase days in weeks 1-39
    assert cdnow.frequency_holdout.sum() == 1882  # ... and in weeks 40-78
    published = api.read_summary_csv(api.lifetimes_dataset("cdnow_customers_summary.csv"))
    assert sorted(cdnow.T_cal.round(2)) == sorted(published.T)


def test_cdnow_frequency_buckets(bgnbd: api.ValidationReport) -> None:
    """The conditional-expectations figure: actual holdout means per calibration frequency
    (these are the CDNOW values printed in the BTYD walkthrough too) and BG/NBD's."""
    assert bgnbd.params["r"] == pytest.approx(0.2426, abs=1e-4)
    got = [(b.frequency, b.n_customers, round(b.actual_mean, 3), round(b.predicted_mean, 3))
           for b in bgnbd.buckets]
    assert got == [("0", 1411, 0.237, 0.225), ("1", 439, 0.697, 0.523),
                   ("2", 214, 1.393, 1.044), ("3", 100, 1.56, 1.52), ("4", 62, 2.532, 2.164),
                   ("5", 38, 2.947, 2.654), ("6", 29, 3.862, 3.504), ("7+", 64, 6.359, 6.157)]
    for b in bgnbd.buckets:  # close to the actual mean in every bucket
        assert abs(b.predicted_mean - b.actual_mean) < 0.4


def test_cdnow_paretonbd_buckets(cdnow: api.CalibrationHoldout) -> None:
    report = api.validate(ModelName.PARETONBD, cdnow)
    assert [round(b.predicted_mean, 3) for b in report.buckets] == [
        0.138, 0.599, 1.196, 1.714, 2.398, 2.907, 3.819, 6.403]
    assert report.errors.mae < report.errors.baseline_mae


def test_cdnow_model_beats_the_naive_baseline(bgnbd: api.ValidationReport) -> None:
    e = bgnbd.errors
    assert e.actual_total == 1882
    assert e.predicted_total == pytest.approx(1653.4, abs=0.1)
    assert e.baseline_total == pytest.approx(2930.1, abs=0.1)
    assert (round(e.mae, 4), round(e.baseline_mae, 4)) == (0.7855, 1.0237)
    assert (round(e.rmse, 4), round(e.baseline_rmse, 4)) == (1.608, 2.2119)
    assert e.mae_ratio == pytest.approx(e.mae / e.baseline_mae)
    assert e.mae_ratio < 0.8 and e.rmse_ratio < 0.8


def test_cdnow_tracking(bgnbd: api.ValidationReport, cdnow: api.CalibrationHoldout) -> None:
    track = bgnbd.tracking
    assert len(track) == 78
    assert track[0].end == date(1997, 1, 7) and track[-1].end == OBS_END
    week39 = track[38]
    assert week39.end == CAL_END and week39.actual == 2457
    # At the calibration end every customer's elapsed time is T_cal.
    fitter = api.BetaGeoFitter(bgnbd.params)
    assert week39.predicted == pytest.approx(
        float(fitter.expected_number_of_purchases_up_to_time(cdnow.T_cal).sum()))
    assert track[-1].actual == 2457 + 1882
    assert round(track[-1].predicted, 1) == 4160.6
    actual = [p.actual for p in track]
    predicted = [p.predicted for p in track]
    assert actual == sorted(actual) and predicted == sorted(predicted)
    # The model tracks the calibration weeks within 5 % and the holdout within 10 %.
    assert abs(week39.predicted / week39.actual - 1) < 0.05
    assert abs(track[-1].predicted / track[-1].actual - 1) < 0.10


def test_small_split_by_hand() -> None:
    rows = [("a", "2024-01-01", 10), ("a", "2024-01-01", 5), ("a", "2024-01-08", 20),
            ("a", "2024-01-20", 1), ("a", "2024-01-20", 2), ("a", "2024-01-25", 3),
            ("a", "2024-03-01", 99), ("b", "2024-01-10", 7), ("c", "2024-01-16", 4)]
    d = api.calibration_and_holdout(rows, date(2024, 1, 14), date(2024, 1, 28), freq="D")
    assert d.customer_ids == ("a", "b")  # c first bought in the holdout: left out
    assert d.frequency_cal.tolist() == [1.0, 0.0]
    assert d.recency_cal.tolist() == [7.0, 0.0]
    assert d.T_cal.tolist() == [13.0, 4.0]
    assert d.monetary_value_cal.tolist() == [20.0, 0.0]
    assert d.frequency_holdout.tolist() == [2.0, 0.0]  # same day once; after obs end ignored
    assert d.duration_holdout == 14.0
    assert naive_baseline(d).tolist() == pytest.approx([14 / 13, 0.0])
    assert [date.fromordinal(int(x)) for x in d.repeat_purchases] == [
        date(2024, 1, 8), date(2024, 1, 20), date(2024, 1, 25)]


def test_paretonbd_new_customer_expectation_is_the_limit_of_the_conditional() -> None:
    """E[X(t)] for Pareto/NBD (our closed form) equals E[Y(t) | x=0, t_x=0, T->0]."""
    fitter = api.ParetoNBDFitter({"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67})
    t = np.array([1.0, 10.0, 39.0, 78.0])
    conditional = [float(fitter.conditional_expected_number_of_purchases_up_to_time(
        float(ti), [0.0], [0.0], [1e-9])[0]) for ti in t]
    assert expected_purchases_new_customer(fitter, t) == pytest.approx(conditional, rel=1e-6)


@pytest.mark.parametrize(
    ("rows", "cal", "obs", "error", "match"),
    [
        ([("a", "2024-01-01", 1)], date(2024, 1, 10), date(2024, 1, 5), TransactionsInvalid,
         "must come after"),
        ([("a", "2024-01-01", 1), ("a", "2024-01-03", 1)], date(2024, 1, 10),
         date(2024, 1, 20), TransactionsInvalid, "No purchases"),
        ([], date(2024, 1, 10), date(2024, 1, 20), TransactionsInvalid, "No transactions"),
        ([("a", "2024-01-01", 1), ("a", "2024-01-15", 1), ("b", "2024-01-02", 1)],
         date(2024, 1, 10), date(2024, 1, 20), DegenerateData, "repeat purchase"),
        ([("a", "2024-01-01", 1), ("a", "2024-01-15", 1)], date(2024, 1, 10),
         date(2999, 1, 20), TransactionsInvalid, "future"),
    ],
)
def test_bad_input(rows: list[tuple[str, str, int]], cal: date, obs: date,
                   error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        data = api.calibration_and_holdout(rows, cal, obs, freq="D", today=date(2025, 1, 1))
        api.validate(ModelName.BGNBD, data)


def test_gammagamma_is_not_a_transaction_model(cdnow: api.CalibrationHoldout) -> None:
    with pytest.raises(TransactionsInvalid, match="transaction model"):
        api.validate(ModelName.GAMMAGAMMA, cdnow)
