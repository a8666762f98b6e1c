"""Plain-text formatting of metric values, shared by the terminal report, the HTML report and
the dashboard (so a figure reads the same everywhere)."""

from __future__ import annotations

import math

from kizuna.metrics.contracts import Kpi, Unit

_ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "VND", "CLP", "ISK"}


def money(value: float | None, currency: str) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    digits = 0 if currency.upper() in _ZERO_DECIMAL_CURRENCIES else 2
    return f"{value:,.{digits}f} {currency.upper()}"


def number(value: float | None, unit: Unit | str, currency: str = "") -> str:
    """``value`` in ``unit``: money with its currency, ratios as percentages, counts whole."""
    if value is None or not math.isfinite(value):
        return "—"
    unit = Unit(unit)
    if unit is Unit.CURRENCY:
        return money(value, currency)
    if unit is Unit.RATIO:
        return f"{value * 100:.1f} %"
    if unit is Unit.COUNT:
        return f"{value:,.0f}"
    if unit is Unit.DAYS:
        return f"{value:,.1f} d"
    if unit is Unit.SCORE:
        return f"{value:.1f}"
    return f"{value:,.2f}"


def interval(kpi: Kpi, currency: str = "") -> str:
    if kpi.ci_low is None or kpi.ci_high is None:
        return ""
    return f"{number(kpi.ci_low, kpi.unit, currency)} – {number(kpi.ci_high, kpi.unit, currency)}"


def change(kpi: Kpi, currency: str = "") -> str:
    """The change against the previous period: points for ratios, relative otherwise."""
    delta = kpi.change
    if delta is None:
        return ""
    if kpi.unit is Unit.RATIO:
        return f"{delta * 100:+.1f} pt"
    ratio = kpi.change_ratio
    if ratio is None:
        return f"{delta:+,.2f}"
    return f"{ratio * 100:+.1f} %"


def p_value(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
