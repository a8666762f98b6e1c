"""The experiment report from observations, and PDCA record validation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kizuna.experiments import logic
from kizuna.experiments.contracts import Observation, PdcaInput
from kizuna.experiments.errors import ExperimentDataInvalid, PdcaRecordInvalid


def _observations(n: int, seed: int, lift: float) -> list[Observation]:
    rng = np.random.default_rng(seed)
    out = []
    for arm, extra in (("holdout", 0.0), ("a", lift), ("b", 0.0)):
        pre = rng.gamma(2.0, 20.0, n)
        converted = rng.random(n) < 0.1 + extra
        revenue = np.where(converted, 0.5 * pre + rng.gamma(2.0, 10.0, n), 0.0)
        out += [Observation(arm=arm, converted=bool(c), revenue=float(r), pre_spend=float(p))
                for c, r, p in zip(converted, revenue, pre, strict=True)]
    return out


def test_report_has_arms_variants_and_is_json_safe() -> None:
    report = logic.analyse(_observations(3000, 1, 0.05))
    assert [a.name for a in report.arms] == ["holdout", "a", "b"]
    assert report.enough_data and not any("not enough" in n for n in report.notes)
    a = next(v for v in report.variants if v.arm == "a")
    assert a.conversion.fixed.low > 0  # a planted 5-point lift on 3000 per arm is visible
    assert a.conversion.always_valid.low <= a.conversion.fixed.low  # always-valid is wider
    assert a.revenue.cuped is not None and a.revenue.variance_reduction is not None
    assert a.revenue.variance_reduction > 0
    assert report.cuped_theta is not None
    snapshot = report.as_dict()
    assert json.loads(json.dumps(snapshot, allow_nan=False)) == snapshot


def test_small_arms_say_not_enough_data_but_show_n() -> None:
    report = logic.analyse(_observations(40, 2, 0.0))
    assert not report.enough_data
    assert any("not enough data" in n for n in report.notes)
    assert all(a.n == 40 for a in report.arms)


def test_missing_pre_spend_skips_cuped() -> None:
    obs = [Observation(arm=("holdout" if i % 2 else "a"), converted=i % 7 == 0,
                       revenue=float(i % 13)) for i in range(400)]
    report = logic.analyse(obs)
    assert report.cuped_theta is None
    assert all(v.revenue.cuped is None for v in report.variants)


def test_missing_control_and_bad_rows_are_rejected() -> None:
    with pytest.raises(ExperimentDataInvalid):
        logic.analyse([Observation(arm="a", converted=True)])
    with pytest.raises(ExperimentDataInvalid):
        logic.analyse([Observation(arm="holdout", converted=True, revenue=float("nan"))])


def test_pdca_validation_names_the_field() -> None:
    with pytest.raises(PdcaRecordInvalid) as info:
        logic.clean_record(PdcaInput(title=" ", hypothesis="h"))
    assert info.value.fields["field"] == "title"
    with pytest.raises(PdcaRecordInvalid):
        logic.clean_record(PdcaInput(title="t", hypothesis="h", action_kind="sms"))
    clean = logic.clean_record(PdcaInput(title=" t ", hypothesis="h", status="running"))
    assert clean.title == "t" and clean.status == "running"
