"""Read per-recipient experiment data from CSV: ``arm, converted, revenue, pre_spend``.

The header row is required; ``revenue`` and ``pre_spend`` may be left out (0 and "no
CUPED"). ``converted`` accepts 1/0, true/false, yes/no. Extra columns are ignored.
"""

from __future__ import annotations

import csv
import io
import math

from kizuna.experiments.contracts import Observation
from kizuna.experiments.errors import ExperimentDataInvalid

MAX_ROWS = 5_000_000
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


def _number(value: str, column: str, line: int) -> float:
    try:
        number = float(value.strip() or "0")
    except ValueError:
        raise ExperimentDataInvalid(f"Line {line}: {column} {value!r} is not a number.",
                                    field=column, row=line) from None
    if not math.isfinite(number):
        raise ExperimentDataInvalid(f"Line {line}: {column} must be a finite number.",
                                    field=column, row=line)
    return number


def parse_csv(text: str) -> list[Observation]:
    """Observations from CSV text; raises :class:`ExperimentDataInvalid` naming the line."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "arm" not in header or "converted" not in header:
        raise ExperimentDataInvalid(
            "The CSV needs a header with at least the columns arm and converted "
            "(optional: revenue, pre_spend).", field="header")
    reader.fieldnames = header
    has_pre = "pre_spend" in header
    out: list[Observation] = []
    for line, row in enumerate(reader, start=2):
        if len(out) >= MAX_ROWS:
            raise ExperimentDataInvalid(f"More than {MAX_ROWS:,} rows; split the file.")
        arm = (row.get("arm") or "").strip()
        if not arm:
            raise ExperimentDataInvalid(f"Line {line}: the arm is empty.", field="arm",
                                        row=line)
        flag = (row.get("converted") or "").strip().lower()
        if flag not in _TRUE and flag not in _FALSE:
            raise ExperimentDataInvalid(
                f"Line {line}: converted {flag!r} is not 1/0, true/false or yes/no.",
                field="converted", row=line)
        out.append(Observation(
            arm=arm, converted=flag in _TRUE,
            revenue=_number(row.get("revenue") or "", "revenue", line),
            pre_spend=_number(row.get("pre_spend") or "", "pre_spend", line) if has_pre
            else None))
    return out
