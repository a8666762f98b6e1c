"""Metric results as plain JSON values, for the CLI (``--json``), ``/v1/metrics`` and the
HTML report: dataclasses become objects (a ``Kpi`` also gets ``change`` and
``change_ratio``), enums their values, dates ISO 8601, non-finite floats ``null``. Fields
whose name starts with ``_``, fields marked ``metadata={"per_customer": True}`` and numpy
arrays (per-customer data: a million entries at scale) are left out of a report."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from kizuna.metrics.contracts import Kpi

_SKIP = object()


def to_jsonable(value: Any) -> Any:
    """``value`` as JSON-compatible Python (dict, list, str, int, float, bool, None)."""
    out = _convert(value)
    return None if out is _SKIP else out


def _convert(value: Any) -> Any:
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return _convert(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _convert(float(value))
    if isinstance(value, np.generic):
        return _convert(value.item())
    if isinstance(value, np.ndarray):
        return _SKIP
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            if f.name.startswith("_") or f.metadata.get("per_customer"):
                continue
            item = _convert(getattr(value, f.name))
            if item is not _SKIP:
                out[f.name] = item
        if isinstance(value, Kpi):
            out["change"] = _convert(value.change)
            out["change_ratio"] = _convert(value.change_ratio)
        return out
    if isinstance(value, Mapping):
        return {
            str(_convert(k)): v
            for k, v in ((k, _convert(v)) for k, v in value.items())
            if v is not _SKIP
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [_convert(v) for v in value]
        return [v for v in items if v is not _SKIP]
    raise TypeError(f"Cannot serialise {type(value).__name__} as JSON")
