"""`kizuna clv validate` end to end through Typer, on the raw CDNOW transactions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kizuna.predict import api
from tests.acceptance.predict.cli import run


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = api.lifetimes_dataset("CDNOW_sample.txt").read_text().splitlines()
    lines = ["cust,day,spend"] + [",".join(r.split()[i] for i in (0, 2, 4)) for r in raw if r]
    path = tmp_path_factory.mktemp("cdnow") / "tx.csv"
    path.write_text("\n".join(lines))
    return path


def cdnow_args(path: Path) -> list[str]:
    return ["validate", "--transactions", str(path), "--customer-col", "cust", "--date-col",
            "day", "--amount-col", "spend", "--date-format", "%Y%m%d", "--calibration-end",
            "1997-09-30", "--observation-end", "1998-06-30"]


def test_validate_json(cdnow_csv: Path) -> None:
    code, out = run(*cdnow_args(cdnow_csv), "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["model"] == "bgnbd" and data["n_customers"] == 2357
    assert data["params"]["alpha"] == pytest.approx(4.4135, abs=2e-4)  # unrounded T: 4.4136
    assert data["duration_holdout"] == 39.0
    assert [b["frequency"] for b in data["buckets"]] == ["0", "1", "2", "3", "4", "5", "6",
                                                         "7+"]
    assert sum(b["n_customers"] for b in data["buckets"]) == 2357
    assert round(data["buckets"][0]["actual_mean"], 4) == 0.2367
    errors = data["errors"]
    assert errors["actual_total"] == 1882
    assert errors["mae"] < errors["baseline_mae"] and errors["mae_ratio"] < 0.8
    assert len(data["tracking"]) == 78
    assert data["tracking"][-1] == {"period": 78, "end": "1998-06-30", "actual": 4339.0,
                                    "predicted": pytest.approx(4160.6, abs=0.1)}


def test_validate_paretonbd_table(cdnow_csv: Path) -> None:
    code, out = run(*cdnow_args(cdnow_csv), "--model", "paretonbd")
    assert code == 0, out
    assert "paretonbd" in out and "7+" in out and "6.403" in out  # 7+ bucket prediction
    assert "MAE" in out and "naive baseline" in out and "1882" in out


@pytest.mark.parametrize(
    ("content", "extra", "match"),
    [
        ("customer_id,date,amount\na,2020-01-01,5\na,2020-02-01,5\n",
         ["--calibration-end", "2020-03-01", "--observation-end", "2020-02-01"],
         "must come after"),
        ("customer_id,date,amount\na,2020-01-01,5\na,2020-02-01,5\n",
         ["--calibration-end", "2020-01-15", "--observation-end", "2020-13-01"],
         "not a YYYY-MM-DD date"),
        ("customer_id,date,amount\na,2020-01-01,5\nb,2020-01-03,5\na,2020-02-01,5\n",
         ["--calibration-end", "2020-01-15", "--observation-end", "2020-03-01"],
         "repeat purchase"),
        ("customer_id,when,amount\na,2020-01-01,5\n",
         ["--calibration-end", "2020-01-15", "--observation-end", "2020-03-01"],
         "lacks the column"),
        ("customer_id,date,amount\na,2020-01-01,5\na,2020-02-01,5\n",
         ["--calibration-end", "2020-01-15", "--observation-end", "2020-03-01", "--model",
          "gammagamma"], "bgnbd or paretonbd"),
        ("", ["--calibration-end", "2020-01-15", "--observation-end", "2020-03-01"],
         "empty file"),
    ],
)
def test_bad_input(tmp_path: Path, content: str, extra: list[str], match: str) -> None:
    path = tmp_path / "tx.csv"
    path.write_text(content)
    code, out = run("validate", "--transactions", str(path), *extra, "--json")
    assert code == 1, out
    assert "error" in out and match in out
    assert "nan" not in out.lower()
