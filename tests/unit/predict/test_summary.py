"""Building the RFM summary from the raw CDNOW transactions."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest

from kizuna.predict import api
from kizuna.predict.errors import TransactionsInvalid

# Fader, Hardie & Lee (2005) calibrate on the first 39 weeks of 1997: customer 1 (raw id 4,
# first purchase 1997-01-01) has T = 38.86 weeks = 272 days, i.e. calibration end 1997-09-30.
CAL_END = date(1997, 9, 30)


def _raw() -> list[list[str]]:
    with api.lifetimes_dataset("CDNOW_sample.txt").open() as fh:
        return [line.split() for line in fh if line.strip()]


def test_cdnow_sample_gives_the_published_summary() -> None:
    raw = _raw()
    summary = api.summary_from_transactions(((r[0], r[2], r[4]) for r in raw), CAL_END,
                                            freq="W", date_format="%Y%m%d")
    with api.lifetimes_dataset("cdnow_customers_summary.csv").open() as fh:
        published = list(csv.DictReader(fh))
    assert len(summary) == len(published) == 2357
    assert Counter(summary.frequency.astype(int).tolist()) == Counter(
        int(p["frequency"]) for p in published)
    # Row by row: the published ID is the raw file's second column (sequential id).
    seq = {r[0]: int(r[1]) for r in raw}
    by_id = {int(p["ID"]): p for p in published}
    for i, cid in enumerate(summary.customer_ids):
        p = by_id[seq[cid]]
        assert summary.frequency[i] == int(p["frequency"])
        assert round(summary.recency[i], 2) == float(p["recency"])
        assert round(summary.T[i], 2) == float(p["T"])
    fitted = api.BetaGeoFitter().fit(summary.frequency, summary.recency, summary.T)
    assert fitted.params_ is not None
    assert round(fitted.params_["r"], 3) == 0.243


def test_same_day_purchases_count_once_and_monetary_excludes_the_first() -> None:
    rows = [("a", "2024-01-01", 10), ("a", "2024-01-01", 5), ("a", "2024-01-08", 20),
            ("a", "2024-01-15", 40), ("b", "2024-01-10", 7), ("a", "2024-03-01", 99)]
    s = api.summary_from_transactions(rows, date(2024, 1, 29), freq="D")
    assert s.customer_ids == ("a", "b")
    assert s.frequency.tolist() == [2.0, 0.0]
    assert s.recency.tolist() == [14.0, 0.0]
    assert s.T.tolist() == [28.0, 19.0]
    assert s.monetary_value is not None and s.monetary_value.tolist() == [30.0, 0.0]


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([], "No transactions"),
        ([("a", "2024-13-01", 1)], "Cannot read the date"),
        ([("a", "2030-01-01", 1)], "after today"),
        ([("a", "2024-01-01", "x")], "amount"),
    ],
)
def test_bad_transactions(rows: list[tuple[str, str, object]], match: str) -> None:
    with pytest.raises(TransactionsInvalid, match=match):
        api.summary_from_transactions(rows, date(2024, 6, 1),  # type: ignore[arg-type]
                                      today=date(2025, 1, 1))
