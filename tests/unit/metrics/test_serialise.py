"""Metric results as JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np

from kizuna.metrics.contracts import Kpi, Unit
from kizuna.metrics.serialise import to_jsonable


@dataclass(frozen=True)
class _Report:
    kpi: Kpi
    when: date
    at: datetime
    by_id: dict[int, float]
    values: np.ndarray = field(default_factory=lambda: np.arange(3))
    _private: int = 1


def test_reports_become_plain_json_with_kpi_changes_and_no_nan() -> None:
    report = _Report(
        kpi=Kpi(key="aov", value=12.5, unit=Unit.CURRENCY, n=4, previous=10.0, ci_low=math.nan),
        when=date(2026, 12, 1),
        at=datetime(2026, 12, 1, 3, tzinfo=UTC),
        by_id={7: np.float64(0.5)},  # type: ignore[dict-item]
    )
    out = to_jsonable(report)
    json.dumps(out, allow_nan=False)
    assert out["kpi"]["unit"] == "currency" and out["kpi"]["ci_low"] is None
    assert out["kpi"]["change"] == 2.5 and out["kpi"]["change_ratio"] == 0.25
    assert out["when"] == "2026-12-01" and out["at"] == "2026-12-01T03:00:00+00:00"
    assert out["by_id"] == {"7": 0.5}
    assert "values" not in out and "_private" not in out
