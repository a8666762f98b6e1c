"""Numbers for axes: cleaning input, "nice" tick values and the default formatters."""

from __future__ import annotations

import math
from collections.abc import Iterable

# Geometry never sees magnitudes beyond this, so spans and tick products stay finite.
_LIMIT = 1e300
# Spans smaller than this (relative to the values) are drawn as flat.
_RELATIVE_FLAT = 1e-9
_TINY = 1e-250


def clean(value: float | None) -> float | None:
    """``None`` for missing, NaN or infinite values; finite values pass through unchanged."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def clamp(value: float) -> float:
    """A finite value limited to ±1e300 for drawing (labels keep the real value)."""
    return max(-_LIMIT, min(_LIMIT, value))


def finite(values: Iterable[float | None]) -> list[float]:
    """The drawable values among ``values``, clamped."""
    return [clamp(v) for v in map(clean, values) if v is not None]


def _nice(x: float) -> float:
    exponent = math.floor(math.log10(x))
    unit = 10.0**exponent
    f = x / unit
    nf = 1.0 if f < 1.5 else 2.0 if f < 3.0 else 5.0 if f < 7.0 else 10.0
    return nf * unit


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 × 10ⁿ apart) covering ``[lo, hi]``, about ``count`` of them
    (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990, with the step rounded
    directly so small ranges keep enough ticks).

    The first and last ticks are the axis bounds. A flat range is widened around its value.
    """
    lo, hi = clamp(min(lo, hi)), clamp(max(lo, hi))
    if hi - lo <= max(abs(lo), abs(hi), _TINY) * _RELATIVE_FLAT:
        mid = lo / 2 + hi / 2
        pad = abs(mid) / 2 if abs(mid) > 1e-200 else 1.0
        lo, hi = mid - pad, mid + pad
        if lo < 0 <= mid:  # keep non-negative data on a non-negative axis
            lo, hi = 0.0, 2 * mid if mid > 0 else 1.0
    step = _nice((hi - lo) / max(1, count - 1))
    start, stop = math.floor(lo / step), math.ceil(hi / step)
    if stop - start > 50:  # cannot happen with a nice step; never loop long on odd input
        return [lo, hi]
    digits = max(0, 1 - math.floor(math.log10(step)))
    return [round(k * step, digits) if digits else k * step for k in range(start, stop + 1)]


def position(value: float, lo: float, hi: float, a: float, b: float) -> float:
    """Map ``value`` from the axis ``[lo, hi]`` onto pixels ``[a, b]``."""
    if hi <= lo:
        return (a + b) / 2
    t = (clamp(value) - lo) / (hi - lo)
    return a + max(-0.05, min(1.05, t)) * (b - a)


def format_number(value: float) -> str:
    """``1,234``, ``1,234.5``, ``0.005``, ``1.2e+18``: short and never ``nan``/``inf``."""
    if not math.isfinite(value):
        return "—"
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 1e15 or size < 0.01:
        return f"{value:.3g}"
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def format_percent(ratio: float) -> str:
    """A ratio as a percentage with one decimal: ``0.4567`` → ``45.7%``."""
    pct = ratio * 100
    if not math.isfinite(pct):
        return "—"
    return f"{pct:.1f}%" if abs(pct) < 1e6 else f"{pct:.3g}%"


def coord(value: float) -> str:
    """A coordinate for an attribute: at most two decimals, never ``-0``, never non-finite."""
    if not math.isfinite(value):
        raise ValueError(f"non-finite coordinate {value!r}")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
