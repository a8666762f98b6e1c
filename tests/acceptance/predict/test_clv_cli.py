"""`kizuna clv fit` end to end through Typer (mounted here as the lead will in cli/main.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kizuna.predict import api
from tests.acceptance.predict.cli import run


@pytest.mark.parametrize(
    ("model", "csv_name", "expected"),
    [
        ("bgnbd", "cdnow_customers_summary.csv",
         {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}),
        ("paretonbd", "cdnow_customers_summary.csv",
         {"r": 0.5533, "alpha": 10.5776, "s": 0.6062, "beta": 11.6679}),
        ("gammagamma", "cdnow_customers_summary_with_transactions.csv",
         {"p": 6.2488, "q": 3.7446, "gamma": 15.4477}),
    ],
)
def test_fit_summary_json(model: str, csv_name: str, expected: dict[str, float]) -> None:
    code, out = run("fit", "--model", model, "--summary",
                    str(api.lifetimes_dataset(csv_name)), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert set(data) >= {"params", "log_likelihood"}
    assert list(data["params"]) == list(expected)
    # Pareto/NBD's s and beta are weakly identified (a flat ridge of the likelihood): their
    # fourth digit moves with the SciPy release, so all parameters are compared to 5e-4.
    assert data["params"] == pytest.approx(expected, rel=5e-4)
    assert isinstance(data["log_likelihood"], float)


def test_fit_table_output() -> None:
    code, out = run("fit", "--model", "bgnbd", "--summary",
                    str(api.lifetimes_dataset("cdnow_customers_summary.csv")))
    assert code == 0, out
    assert "alpha" in out and "4.4135" in out and "-9582.43" in out


def test_fit_from_transactions(tmp_path: Path) -> None:
    raw = api.lifetimes_dataset("CDNOW_sample.txt").read_text().splitlines()
    lines = ["cust,day,spend"] + [",".join(r.split()[i] for i in (0, 2, 4)) for r in raw if r]
    path = tmp_path / "tx.csv"
    path.write_text("\n".join(lines))
    code, out = run("fit", "--model", "bgnbd", "--transactions", str(path), "--customer-col",
                    "cust", "--date-col", "day", "--amount-col", "spend", "--date-format",
                    "%Y%m%d", "--calibration-end", "1997-09-30", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert round(data["log_likelihood"], 1) == -9582.4
    assert data["n_customers"] == 2357


@pytest.mark.parametrize(
    ("content", "model", "match"),
    [
        ("", "bgnbd", "empty"),
        ("customer_id,frequency,recency,T\n", "bgnbd", "no customers"),
        ("customer_id,frequency,recency\n1,1,2\n", "bgnbd", "lacks the column"),
        ("customer_id,frequency,recency,T\n1,0,0,5\n2,0,0,6\n", "bgnbd", "repeat purchase"),
        ("customer_id,frequency,recency,T\n1,1,2,5\n", "gammagamma", "monetary_value"),
        ("customer_id,frequency,recency,T,monetary_value\n1,1,2,5,0\n2,2,3,5,10\n",
         "gammagamma", "zero or negative"),
    ],
)
def test_bad_summary_input(tmp_path: Path, content: str, model: str, match: str) -> None:
    path = tmp_path / "summary.csv"
    path.write_text(content)
    code, out = run("fit", "--model", model, "--summary", str(path), "--json")
    assert code == 1
    assert "error" in out and match in out
    assert "nan" not in out.lower()


def test_future_dates_and_missing_columns_in_transactions(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\na,2020-01-01,5\na,2999-01-01,5\n")
    code, out = run("fit", "--model", "bgnbd", "--transactions", str(path),
                    "--calibration-end", "2020-06-01")
    assert code == 1 and "after today" in out
    code, out = run("fit", "--model", "bgnbd", "--transactions", str(path), "--date-col",
                    "when", "--calibration-end", "2020-06-01")
    assert code == 1 and "lacks the column" in out and "when" in out
