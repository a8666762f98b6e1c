"""Bar charts: plain (with error bars), paired, funnel and histogram."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup

from kizuna.charts import _svgkit as kit
from kizuna.charts import palette
from kizuna.charts._text import text_width
from kizuna.charts.contracts import Bar, FunnelStep, HistBin
from kizuna.charts.scale import (
    clamp,
    clean,
    finite,
    format_number,
    format_percent,
    nice_ticks,
    position,
)

Fmt = kit.Fmt


# --- bar charts ---------------------------------------------------------------------------


def _interval(bar: Bar) -> tuple[float, float] | None:
    a, b = clean(bar.ci_low), clean(bar.ci_high)
    if a is None or b is None:
        return None
    return clamp(min(a, b)), clamp(max(a, b))


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str = "",
    horizontal: bool = True,
    fmt: Fmt = format_number,
    no_data_label: str = "No data",
    id_prefix: str | None = None,
) -> Markup:
    """Bars from zero (negative values go the other way) with error bars for intervals."""
    pid = kit.prefix(id_prefix)
    values = [clean(b.value) for b in bars]
    present = [clamp(v) for v in values if v is not None]
    height = 16 + len(bars) * _row_height(len(bars)) + 30 if horizontal else 280.0
    if not present:
        return kit.empty(
            "bar", pid, kit.WIDTH, height if bars else 240.0, title, desc, no_data_label
        )
    intervals = [_interval(b) for b in bars]
    span = present + [x for iv in intervals if iv for x in iv] + [0.0]
    ticks = nice_ticks(min(span), max(span))
    parts = kit.open_svg("bar", pid, kit.WIDTH, height, title, desc)
    if horizontal:
        _bars_horizontal(parts, bars, values, intervals, ticks, fmt, height)
    else:
        _bars_vertical(parts, bars, values, intervals, ticks, fmt, height)
    return kit.close(parts)


def _row_height(n: int) -> float:
    return 28.0 if n <= 8 else max(14.0, 240.0 / n)


def _error_bar(
    parts: list[str], a: float, b: float, at: float, cap: float, *, vertical: bool
) -> None:
    if vertical:
        segs = [(at, a, at, b), (at - cap, a, at + cap, a), (at - cap, b, at + cap, b)]
    else:
        segs = [(a, at, b, at), (a, at - cap, a, at + cap), (b, at - cap, b, at + cap)]
    parts.append('<g class="chart-errorbar-group">')
    parts.extend(kit.line(*s, cls="chart-errorbar", stroke=palette.INK, width=1.2) for s in segs)
    parts.append("</g>")


def _bars_horizontal(
    parts: list[str],
    bars: Sequence[Bar],
    values: Sequence[float | None],
    intervals: Sequence[tuple[float, float] | None],
    ticks: Sequence[float],
    fmt: Fmt,
    height: float,
) -> None:
    row_h = _row_height(len(bars))
    top, bottom = 12.0, 12.0 + row_h * len(bars)
    label_w = kit.label_width([b.label for b in bars], kit.FONT, cap=kit.WIDTH * 0.35)
    value_w = kit.label_width([fmt(v) for v in values if v is not None], kit.SMALL, cap=120) + 8
    label_right = 8 + label_w + 6
    left = label_right + (value_w if any(v is not None and v < 0 for v in values) else 4)
    right = kit.WIDTH - 10 - (value_w if any(v is not None and v >= 0 for v in values) else 0)
    lo, hi = ticks[0], ticks[-1]
    kit.value_axis_x(parts, ticks, top=top, bottom=bottom, left=left, right=right, fmt=fmt)
    x0 = position(0.0, lo, hi, left, right)
    size = min(kit.FONT, row_h * 0.6)
    for i, (bar, v) in enumerate(zip(bars, values, strict=True)):
        yc = top + row_h * (i + 0.5)
        parts.append(
            kit.text(
                label_right - 6,
                yc,
                bar.label,
                cls="chart-label",
                anchor="end",
                size=size,
                max_width=label_w,
            )
        )
        if v is None:
            continue
        xv = position(v, lo, hi, left, right)
        bh = row_h * 0.62
        parts.append(
            kit.rect(
                min(x0, xv),
                yc - bh / 2,
                abs(xv - x0),
                bh,
                cls="chart-bar chart-fill chart-s0",
                fill=palette.series(0),
                tip=kit.tip(bar.label, fmt(v)),
            )
        )
        end = xv
        iv = intervals[i]
        if iv is not None:
            xa, xb = (position(x, lo, hi, left, right) for x in iv)
            _error_bar(parts, xa, xb, yc, bh / 3, vertical=False)
            end = max(xv, xb) if v >= 0 else min(xv, xa)
        parts.append(
            kit.text(
                end + 4 if v >= 0 else end - 4,
                yc,
                fmt(v),
                cls="chart-value",
                anchor="start" if v >= 0 else "end",
                size=kit.SMALL,
            )
        )
    parts.append(kit.line(x0, top, x0, bottom, cls="chart-zero", stroke=palette.INK))


def _bars_vertical(
    parts: list[str],
    bars: Sequence[Bar],
    values: Sequence[float | None],
    intervals: Sequence[tuple[float, float] | None],
    ticks: Sequence[float],
    fmt: Fmt,
    height: float,
) -> None:
    top, bottom = 18.0, height - 26
    left = 14 + kit.label_width([fmt(t) for t in ticks], kit.SMALL, cap=120)
    right = kit.WIDTH - 10
    lo, hi = ticks[0], ticks[-1]
    kit.value_axis_y(parts, ticks, top=top, bottom=bottom, left=left, right=right, fmt=fmt)
    band = (right - left) / len(bars)
    y0 = position(0.0, lo, hi, bottom, top)
    for i, (bar, v) in enumerate(zip(bars, values, strict=True)):
        xc = left + band * (i + 0.5)
        parts.append(
            kit.text(
                xc,
                bottom + 14,
                bar.label,
                cls="chart-label",
                anchor="middle",
                size=kit.SMALL,
                max_width=band - 4,
            )
        )
        if v is None:
            continue
        yv = position(v, lo, hi, bottom, top)
        bw = band * 0.66
        parts.append(
            kit.rect(
                xc - bw / 2,
                min(y0, yv),
                bw,
                abs(yv - y0),
                cls="chart-bar chart-fill chart-s0",
                fill=palette.series(0),
                tip=kit.tip(bar.label, fmt(v)),
            )
        )
        end = yv
        iv = intervals[i]
        if iv is not None:
            ya, yb = (position(x, lo, hi, bottom, top) for x in iv)
            _error_bar(parts, ya, yb, xc, bw / 6, vertical=True)
            end = min(yv, yb) if v >= 0 else max(yv, ya)
        label = fmt(v)
        if text_width(label, kit.SMALL) <= band - 2:
            parts.append(
                kit.text(
                    xc,
                    end - 8 if v >= 0 else end + 8,
                    label,
                    cls="chart-value",
                    anchor="middle",
                    size=kit.SMALL,
                )
            )
    parts.append(kit.line(left, y0, right, y0, cls="chart-zero", stroke=palette.INK))


def paired_bar_chart(
    groups: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    desc: str = "",
    fmt: Fmt = format_number,
    no_data_label: str = "No data",
    height: float = 280.0,
    id_prefix: str | None = None,
) -> Markup:
    """Side-by-side bars per group, one colour per series (e.g. predicted vs actual)."""
    pid = kit.prefix(id_prefix)
    names = list(series)
    for name in names:
        kit.check_length(series[name], groups, f"series {name!r}")
    present = [v for name in names for v in finite(series[name])]
    if not groups or not present:
        return kit.empty("paired", pid, kit.WIDTH, height, title, desc, no_data_label)
    ticks = nice_ticks(min([*present, 0.0]), max([*present, 0.0]))
    lo, hi = ticks[0], ticks[-1]
    parts = kit.open_svg("paired", pid, kit.WIDTH, height, title, desc)
    top = 12 + kit.legend(parts, names, x=12, y=12, right=kit.WIDTH - 12, lines=False) + 8
    bottom = height - 26
    left = 14 + kit.label_width([fmt(t) for t in ticks], kit.SMALL, cap=120)
    right = kit.WIDTH - 10
    kit.value_axis_y(parts, ticks, top=top, bottom=bottom, left=left, right=right, fmt=fmt)
    band = (right - left) / len(groups)
    bw = band * 0.8 / len(names)
    y0 = position(0.0, lo, hi, bottom, top)
    for g, group in enumerate(groups):
        x_start = left + band * g + band * 0.1
        parts.append(
            kit.text(
                left + band * (g + 0.5),
                bottom + 14,
                group,
                cls="chart-label",
                anchor="middle",
                size=kit.SMALL,
                max_width=band - 4,
            )
        )
        for k, name in enumerate(names):
            v = kit.at(series[name], g)
            if v is None:
                continue
            yv = position(v, lo, hi, bottom, top)
            parts.append(
                kit.rect(
                    x_start + bw * k,
                    min(y0, yv),
                    bw * 0.92,
                    abs(yv - y0),
                    cls=f"chart-bar chart-fill {kit.series_class(k)}",
                    fill=palette.series(k),
                    tip=kit.tip(group, name, fmt(v)),
                )
            )
    parts.append(kit.line(left, y0, right, y0, cls="chart-zero", stroke=palette.INK))
    return kit.close(parts)


# --- funnel, heatmap, histogram -----------------------------------------------------------


def funnel_chart(
    steps: Sequence[FunnelStep],
    *,
    title: str,
    desc: str = "",
    fmt_count: Fmt = format_number,
    fmt_ratio: Fmt = format_percent,
    no_data_label: str = "No data",
    id_prefix: str | None = None,
) -> Markup:
    """Centred bars shrinking step by step, the conversion from the previous step between."""
    pid = kit.prefix(id_prefix)
    row_h, gap_h = 30.0, 20.0
    height = 24 + len(steps) * row_h + max(0, len(steps) - 1) * gap_h
    counts = [clean(s.count) for s in steps]
    if not steps or all(c is None for c in counts):
        return kit.empty("funnel", pid, kit.WIDTH, max(height, 160.0), title, desc, no_data_label)
    sizes = [max(0.0, clamp(c)) if c is not None else 0.0 for c in counts]
    biggest = max(sizes)
    label_w = kit.label_width([s.label for s in steps], kit.FONT, cap=kit.WIDTH * 0.3)
    texts = [fmt_count(c) if c is not None else no_data_label for c in counts]
    count_w = kit.label_width(texts, kit.FONT, cap=140)
    left, right = 8 + label_w + 12, kit.WIDTH - 8 - count_w - 12
    centre, full = (left + right) / 2, right - left
    parts = kit.open_svg("funnel", pid, kit.WIDTH, height, title, desc)
    y = 12.0
    for i, step in enumerate(steps):
        if i:
            ratio = clean(step.conversion)
            if ratio is None and counts[i] is not None and sizes[i - 1] > 0:
                ratio = clean(sizes[i] / sizes[i - 1])
            if ratio is not None:
                parts.append(
                    kit.text(
                        centre,
                        y + gap_h / 2,
                        f"↓ {fmt_ratio(ratio)}",
                        cls="chart-ratio",
                        anchor="middle",
                        size=kit.SMALL,
                        fill=palette.MUTED,
                    )
                )
            y += gap_h
        w = full * sizes[i] / biggest if biggest > 0 else 0.0
        yc = y + row_h / 2
        parts.append(
            kit.text(
                8 + label_w, yc, step.label, cls="chart-label", anchor="end", max_width=label_w
            )
        )
        parts.append(
            kit.rect(
                centre - w / 2,
                y + 2,
                w,
                row_h - 4,
                cls="chart-bar chart-fill chart-s0",
                fill=palette.series(0),
                tip=kit.tip(step.label, texts[i]),
            )
        )
        parts.append(kit.text(kit.WIDTH - 8, yc, texts[i], cls="chart-value", anchor="end"))
        y += row_h
    return kit.close(parts)


def histogram(
    bins: Sequence[HistBin],
    *,
    title: str,
    desc: str = "",
    fmt: Fmt = format_number,
    fmt_count: Fmt = format_number,
    no_data_label: str = "No data",
    height: float = 260.0,
    id_prefix: str | None = None,
) -> Markup:
    """Adjacent bars over a continuous axis; ``fmt`` labels the bin edges, ``fmt_count`` the
    counts. Bins with a missing edge or count are left out."""
    pid = kit.prefix(id_prefix)
    usable: list[tuple[float, float, float, HistBin]] = []
    for hb in bins:
        lo_, hi_, n_ = clean(hb.low), clean(hb.high), clean(hb.count)
        if lo_ is not None and hi_ is not None and n_ is not None:
            usable.append((clamp(min(lo_, hi_)), clamp(max(lo_, hi_)), n_, hb))
    if not usable:
        return kit.empty("histogram", pid, kit.WIDTH, height, title, desc, no_data_label)
    xticks = nice_ticks(min(u[0] for u in usable), max(u[1] for u in usable))
    counts = [clamp(u[2]) for u in usable]
    yticks = nice_ticks(min([*counts, 0.0]), max([*counts, 0.0]))
    parts = kit.open_svg("histogram", pid, kit.WIDTH, height, title, desc)
    top, bottom = 12.0, height - 26
    left = 14 + kit.label_width([fmt_count(t) for t in yticks], kit.SMALL, cap=120)
    right = kit.WIDTH - 14
    kit.value_axis_y(parts, yticks, top=top, bottom=bottom, left=left, right=right, fmt=fmt_count)
    room = (right - left) / max(1, len(xticks) - 1)
    for t in xticks:
        x = position(t, xticks[0], xticks[-1], left, right)
        parts.append(
            kit.text(
                x,
                bottom + 14,
                fmt(t),
                cls="chart-tick",
                anchor="middle",
                size=kit.SMALL,
                fill=palette.MUTED,
                max_width=room - 2,
            )
        )
    y0 = position(0.0, yticks[0], yticks[-1], bottom, top)
    for (edge_lo, edge_hi, n, raw), count in zip(usable, counts, strict=True):
        xa = position(edge_lo, xticks[0], xticks[-1], left, right)
        xb = position(edge_hi, xticks[0], xticks[-1], left, right)
        yv = position(count, yticks[0], yticks[-1], bottom, top)
        parts.append(
            kit.rect(
                xa + 0.5,
                min(y0, yv),
                max(1.0, xb - xa - 1),
                abs(yv - y0),
                cls="chart-bar chart-fill chart-s0",
                fill=palette.series(0),
                tip=f"{fmt(raw.low)}–{fmt(raw.high)}: {fmt_count(n)}",
            )
        )
    parts.append(kit.line(left, y0, right, y0, cls="chart-zero", stroke=palette.INK))
    return kit.close(parts)
