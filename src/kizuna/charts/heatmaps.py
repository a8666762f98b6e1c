"""Heatmaps: the cohort retention matrix and the RFM grid."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from kizuna.charts import _svgkit as kit
from kizuna.charts import palette
from kizuna.charts._text import text_width
from kizuna.charts.scale import (
    clamp,
    clean,
    coord,
    finite,
    format_number,
)

Fmt = kit.Fmt


def heatmap(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str,
    desc: str = "",
    fmt: Fmt = format_number,
    cell_text: bool = True,
    low: float | None = None,
    high: float | None = None,
    no_data_label: str = "No data",
    id_prefix: str | None = None,
) -> Markup:
    """A matrix of coloured cells (sequential palette between ``low`` and ``high``, by default
    the data's range). ``None`` cells are hatched, never coloured as a value; rows shorter than
    ``col_labels`` leave the rest blank (a cohort triangle)."""
    pid = kit.prefix(id_prefix)
    kit.check_length(values, row_labels, "values")
    for r, row in enumerate(values):
        kit.check_length(row, col_labels, f"row {r}")
    present = [v for row in values for v in finite(row)]
    nrows, ncols = len(row_labels), len(col_labels)
    if not nrows or not ncols or not present:
        return kit.empty("heatmap", pid, kit.WIDTH, 200.0, title, desc, no_data_label)
    lo = clamp(v) if (v := clean(low)) is not None else min(present)
    hi = clamp(v) if (v := clean(high)) is not None else max(present)
    label_w = kit.label_width(row_labels, kit.SMALL, cap=kit.WIDTH * 0.25, floor=16)
    left, top, right = 8 + label_w + 8, 28.0, kit.WIDTH - 8
    cell_w = (right - left) / ncols
    cell_h = min(36.0, max(16.0, 300.0 / nrows))
    bottom = top + nrows * cell_h
    height = bottom + 40
    parts = kit.open_svg("heatmap", pid, kit.WIDTH, height, title, desc)
    parts.append(_heatmap_defs(pid))
    for c, col in enumerate(col_labels):
        parts.append(
            kit.text(
                left + cell_w * (c + 0.5),
                top - 10,
                col,
                cls="chart-tick",
                anchor="middle",
                size=kit.SMALL,
                fill=palette.MUTED,
                max_width=cell_w - 2,
            )
        )
    size = min(kit.SMALL, cell_h * 0.5)
    any_missing = False
    for r, name in enumerate(row_labels):
        y = top + r * cell_h
        parts.append(
            kit.text(
                left - 8,
                y + cell_h / 2,
                name,
                cls="chart-label",
                anchor="end",
                size=kit.SMALL,
                max_width=label_w,
            )
        )
        row = values[r] if r < len(values) else ()
        for c, raw in enumerate(row):
            x = left + c * cell_w
            v = clean(raw)
            if v is None:
                any_missing = True
                parts.append(
                    kit.rect(
                        x + 1,
                        y + 1,
                        cell_w - 2,
                        cell_h - 2,
                        cls="chart-cell-missing",
                        fill=f"url(#{pid}-hatch)",
                        tip=kit.tip(name, col_labels[c], no_data_label),
                        extra=f' stroke="{palette.LINE}"',
                    )
                )
                continue
            t = (clamp(v) - lo) / (hi - lo) if hi > lo else 0.5
            colour = palette.sequential(t)
            shown = fmt(v)
            parts.append(
                kit.rect(
                    x + 1,
                    y + 1,
                    cell_w - 2,
                    cell_h - 2,
                    cls="chart-cell",
                    fill=colour,
                    tip=kit.tip(name, col_labels[c], shown),
                )
            )
            if cell_text and text_width(shown, size) <= cell_w - 6:
                dark = palette.is_dark(colour)
                parts.append(
                    kit.text(
                        x + cell_w / 2,
                        y + cell_h / 2,
                        shown,
                        cls="chart-on-dark" if dark else "chart-on-light",
                        anchor="middle",
                        size=size,
                        fill=palette.ON_DARK if dark else palette.INK,
                    )
                )
    _heatmap_legend(
        parts, pid, left, bottom + 14, fmt(lo), fmt(hi), no_data_label if any_missing else None
    )
    return kit.close(parts)


def _heatmap_defs(pid: str) -> str:
    n = len(palette.SEQUENTIAL) - 1
    stops = "".join(
        f'<stop offset="{coord(i / n)}" stop-color="{c}"/>'
        for i, c in enumerate(palette.SEQUENTIAL)
    )
    return (
        f'<defs><pattern id="{pid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line class="chart-hatch-line" x1="0" y1="0" x2="0" y2="6" '
        f'stroke="{palette.MISSING}" stroke-width="2"/></pattern>'
        f'<linearGradient id="{pid}-scale" x1="0" y1="0" x2="1" y2="0">{stops}'
        f"</linearGradient></defs>"
    )


def _heatmap_legend(
    parts: list[str], pid: str, x: float, y: float, low: str, high: str, missing: str | None
) -> None:
    lw = min(110.0, text_width(low, kit.SMALL))
    parts.append(
        kit.text(x, y + 5, low, cls="chart-tick", size=kit.SMALL, fill=palette.MUTED, max_width=110)
    )
    bar_x = x + lw + 6
    parts.append(kit.rect(bar_x, y, 140, 10, cls="chart-scale", fill=f"url(#{pid}-scale)"))
    parts.append(
        kit.text(
            bar_x + 146,
            y + 5,
            high,
            cls="chart-tick",
            size=kit.SMALL,
            fill=palette.MUTED,
            max_width=110,
        )
    )
    if missing is not None:
        mx = bar_x + 146 + min(110.0, text_width(high, kit.SMALL)) + 24
        parts.append(
            kit.rect(
                mx,
                y,
                14,
                10,
                cls="chart-cell-missing chart-swatch",
                fill=f"url(#{pid}-hatch)",
                extra=f' stroke="{palette.LINE}"',
            )
        )
        parts.append(
            kit.text(
                mx + 20,
                y + 5,
                missing,
                cls="chart-tick",
                size=kit.SMALL,
                fill=palette.MUTED,
                max_width=kit.WIDTH - mx - 28,
            )
        )
