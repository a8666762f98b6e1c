"""The CSV reader (property-tested round trip) and `kizuna experiments analyse`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kizuna.cli import experiments as cli
from kizuna.experiments.csvdata import parse_csv
from kizuna.experiments.errors import ExperimentDataInvalid

row = st.tuples(st.sampled_from(["holdout", "a", "b,c", "ü 変種"]), st.booleans(),
                st.floats(0, 1e6, allow_nan=False), st.floats(0, 1e6, allow_nan=False))


@given(st.lists(row, max_size=30))
def test_csv_round_trip(rows: list[tuple[str, bool, float, float]]) -> None:
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["arm", "converted", "revenue", "pre_spend"])
    for arm, conv, rev, pre in rows:
        w.writerow([arm, "true" if conv else "0", repr(rev), repr(pre)])
    parsed = parse_csv(buf.getvalue())
    assert [(o.arm, o.converted, o.revenue, o.pre_spend) for o in parsed] == rows


@pytest.mark.parametrize("text", [
    "arm,revenue\na,1\n", "arm,converted\n,1\n", "arm,converted\na,maybe\n",
    "arm,converted,revenue\na,1,ten\n", "arm,converted,revenue\na,1,inf\n",
])
def test_bad_csv_is_rejected(text: str) -> None:
    with pytest.raises(ExperimentDataInvalid):
        parse_csv(text)


def _root() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(cli.app, name="experiments")

    @root.callback()
    def _cb() -> None:
        pass
    return root


def test_cli_analyse_table_and_json(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    lines = ["arm,converted,revenue,pre_spend"]
    for arm, rate in (("holdout", 0.08), ("a", 0.12)):
        for _ in range(1500):
            pre, conv = rng.gamma(2, 20), rng.random() < rate
            lines.append(f"{arm},{int(conv)},{(pre if conv else 0):.2f},{pre:.2f}")
    path = tmp_path / "exp.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = CliRunner().invoke(_root(), ["experiments", "analyse", str(path), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [a["n"] for a in data["arms"]] == [1500, 1500] and data["enough_data"]
    assert data["variants"][0]["conversion"]["fixed"]["low"] > 0
    table = CliRunner().invoke(_root(), ["experiments", "analyse", str(path)])
    assert table.exit_code == 0 and "holdout" in table.output


def test_cli_reports_errors_and_small_samples(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text("arm,converted\nholdout,1\na,0\n", encoding="utf-8")
    out = CliRunner().invoke(_root(), ["experiments", "analyse", str(path)])
    assert out.exit_code == 0 and "not enough data" in out.output
    bad = CliRunner().invoke(_root(), ["experiments", "analyse", str(path), "--control", "x"])
    assert bad.exit_code == 1
