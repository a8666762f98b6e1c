"""Line charts and sparklines."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup

from kizuna.charts import _svgkit as kit
from kizuna.charts import palette
from kizuna.charts._text import esc
from kizuna.charts.contracts import Series
from kizuna.charts.scale import (
    clamp,
    clean,
    coord,
    finite,
    format_number,
    nice_ticks,
    position,
)

Fmt = kit.Fmt


# --- line chart ---------------------------------------------------------------------------


def line_chart(
    series: Sequence[Series],
    *,
    x_labels: Sequence[str],
    title: str,
    desc: str = "",
    fmt: Fmt = format_number,
    no_data_label: str = "No data",
    zero_based: bool = False,
    height: float = 280.0,
    id_prefix: str | None = None,
) -> Markup:
    """One or more lines over ``x_labels`` with optional shaded bands, gaps at missing values
    and a legend when there is more than one series."""
    pid = kit.prefix(id_prefix)
    for s in series:
        for seq in (s.values, s.band_low, s.band_high):
            if seq is not None:
                kit.check_length(seq, x_labels, f"series {s.name!r}")
    drawable = [
        v
        for s in series
        for seq in (s.values, s.band_low, s.band_high)
        if seq is not None
        for v in finite(seq)
    ]
    n = len(x_labels)
    if n == 0 or not drawable:
        return kit.empty("line", pid, kit.WIDTH, height, title, desc, no_data_label)
    lo, hi = min(drawable), max(drawable)
    if zero_based:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    ticks = nice_ticks(lo, hi)
    parts = kit.open_svg("line", pid, kit.WIDTH, height, title, desc)
    top = 12.0
    if len(series) > 1:
        top += kit.legend(
            parts, [s.name for s in series], x=12, y=12, right=kit.WIDTH - 12, lines=True
        )
    bottom = height - 26
    left = 14 + kit.label_width([fmt(t) for t in ticks], kit.SMALL, cap=120)
    right = kit.WIDTH - 12
    kit.value_axis_y(parts, ticks, top=top, bottom=bottom, left=left, right=right, fmt=fmt)
    step = (right - left) / n
    xs = [left + step * (i + 0.5) for i in range(n)]

    def y_of(v: float) -> float:
        return position(v, ticks[0], ticks[-1], bottom, top)

    widest = kit.label_width(x_labels, kit.SMALL, cap=120)
    every = max(1, math.ceil((widest + 6) / step))
    for i in range(0, n, every):
        parts.append(
            kit.text(
                xs[i],
                bottom + 14,
                x_labels[i],
                cls="chart-tick",
                anchor="middle",
                size=kit.SMALL,
                fill=palette.MUTED,
                max_width=step * every - 4,
            )
        )
    for k, s in enumerate(series):
        if s.band_low is None or s.band_high is None:
            continue
        band: list[tuple[float, float] | None] = []
        for i in range(n):
            a, b = kit.at(s.band_low, i), kit.at(s.band_high, i)
            band.append(None if a is None or b is None else (y_of(a), y_of(b)))
        for run in kit.runs([None if p is None else (xs[i], i) for i, p in enumerate(band)]):
            edges = [(x, band[int(i)]) for x, i in run]
            half = step / 4 if len(run) == 1 else 0.0
            upper = [(x, e[1]) for x, e in edges if e is not None]
            lower = [(x, e[0]) for x, e in reversed(edges) if e is not None]
            if half:
                upper = [(upper[0][0] - half, upper[0][1]), (upper[0][0] + half, upper[0][1])]
                lower = [(lower[0][0] + half, lower[0][1]), (lower[0][0] - half, lower[0][1])]
            parts.append(
                f'<path class="chart-band chart-fill {kit.series_class(k)}" '
                f'd="{kit.path(upper + lower)} Z" fill="{palette.series(k)}" fill-opacity="0.15"/>'
            )
    radius = 3.0 if n <= 40 else 1.8
    for k, s in enumerate(series):
        pts: list[tuple[float, float] | None] = []
        for i in range(n):
            v = kit.at(s.values, i)
            pts.append(None if v is None else (xs[i], y_of(clamp(v))))
        dash = palette.dash(k)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in kit.runs(pts):
            if len(run) > 1:
                parts.append(
                    f'<path class="chart-line {kit.series_class(k)}" d="{kit.path(run)}" '
                    f'fill="none" stroke="{palette.series(k)}" stroke-width="2" '
                    f'stroke-linejoin="round"{dash_attr}/>'
                )
        for i, p in enumerate(pts):
            v = kit.at(s.values, i)
            if p is None or v is None:
                continue
            parts.append(
                f'<circle class="chart-point chart-fill {kit.series_class(k)}" '
                f'cx="{coord(p[0])}" cy="{coord(p[1])}" r="{coord(radius)}" '
                f'fill="{palette.series(k)}"><title>{esc(kit.tip(s.name, x_labels[i], fmt(v)))}'
                f"</title></circle>"
            )
    return kit.close(parts)


# --- sparkline and the accessible table ---------------------------------------------------


def sparkline(
    values: Sequence[float | None],
    *,
    label: str,
    desc: str = "",
    id_prefix: str | None = None,
) -> Markup:
    """A 120×32 trend line for a KPI tile (gaps at missing values, a dot on the last one)."""
    pid = kit.prefix(id_prefix)
    w, h, pad = 120.0, 32.0, 3.0
    parts = kit.open_svg("spark", pid, w, h, label, desc, extra_class=" chart-spark")
    present = finite(values)
    if not present:
        parts.append(kit.line(pad, h / 2, w - pad, h / 2, cls="chart-grid", stroke=palette.LINE))
        return kit.close(parts)
    lo, hi = min(present), max(present)
    n = len(values)
    pts: list[tuple[float, float] | None] = []
    for i, raw in enumerate(values):
        v = clean(raw)
        x = w / 2 if n == 1 else pad + i * (w - 2 * pad) / (n - 1)
        pts.append(None if v is None else (x, position(v, lo, hi, h - pad, pad)))
    for run in kit.runs(pts):
        if len(run) > 1:
            parts.append(
                f'<path class="chart-line chart-s0" d="{kit.path(run)}" fill="none" '
                f'stroke="{palette.series(0)}" stroke-width="1.5" stroke-linejoin="round"/>'
            )
    last = next(p for p in reversed(pts) if p is not None)
    parts.append(
        f'<circle class="chart-point chart-fill chart-s0" cx="{coord(last[0])}" '
        f'cy="{coord(last[1])}" r="2" fill="{palette.series(0)}"/>'
    )
    return kit.close(parts)
