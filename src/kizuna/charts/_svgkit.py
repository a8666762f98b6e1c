"""Building blocks shared by the chart functions: the <svg> frame, text, axes and legends."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence

from markupsafe import Markup

from kizuna.charts import palette
from kizuna.charts._text import esc, fit, text_width
from kizuna.charts.scale import clean, coord, position

Fmt = Callable[[float], str]
WIDTH = 640.0
FONT = 12.0
SMALL = 11.0
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def prefix(id_prefix: str | None) -> str:
    """The caller's id prefix (checked to be a valid XML id) or a fresh random one."""
    if id_prefix is None:
        return f"chart-{uuid.uuid4().hex[:10]}"
    if not _ID.fullmatch(id_prefix):
        raise ValueError(f"id_prefix must match {_ID.pattern}, got {id_prefix!r}")
    return id_prefix


def open_svg(
    kind: str,
    pid: str,
    width: float,
    height: float,
    title: str,
    desc: str,
    *,
    extra_class: str = "",
) -> list[str]:
    labelled = f"{pid}-title {pid}-desc" if desc else f"{pid}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-type-{kind}{extra_class}" '
        f'viewBox="0 0 {coord(width)} {coord(height)}" role="img" '
        f'aria-labelledby="{labelled}" preserveAspectRatio="xMidYMid meet" '
        f'font-family="system-ui, sans-serif" font-size="{coord(FONT)}">',
        f'<title id="{pid}-title">{esc(title)}</title>',
    ]
    if desc:
        parts.append(f'<desc id="{pid}-desc">{esc(desc)}</desc>')
    return parts


def close(parts: list[str]) -> Markup:
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece is escaped where it is built


def empty(
    kind: str, pid: str, width: float, height: float, title: str, desc: str, no_data: str
) -> Markup:
    parts = open_svg(kind, pid, width, height, title, desc)
    parts.append(
        text(
            width / 2,
            height / 2,
            no_data,
            cls="chart-empty",
            anchor="middle",
            fill=palette.MUTED,
            max_width=width - 16,
        )
    )
    return close(parts)


def text(
    x: float,
    y: float,
    content: str,
    *,
    cls: str,
    anchor: str = "start",
    size: float = FONT,
    fill: str = palette.INK,
    max_width: float | None = None,
    middle: bool = True,
) -> str:
    """A <text>; shortened with "…" to ``max_width``, the full text then in a <title> child."""
    shown, cut = (content, False) if max_width is None else fit(content, max_width, size)
    full = f"<title>{esc(content)}</title>" if cut else ""
    dy = ' dy="0.35em"' if middle else ""
    return (
        f'<text class="{cls}" x="{coord(x)}" y="{coord(y)}"{dy} text-anchor="{anchor}" '
        f'font-size="{coord(size)}" fill="{fill}">{full}{esc(shown)}</text>'
    )


def line(
    x1: float, y1: float, x2: float, y2: float, *, cls: str, stroke: str, width: float = 1.0
) -> str:
    return (
        f'<line class="{cls}" x1="{coord(x1)}" y1="{coord(y1)}" x2="{coord(x2)}" '
        f'y2="{coord(y2)}" stroke="{stroke}" stroke-width="{coord(width)}"/>'
    )


def rect(
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    cls: str,
    fill: str,
    tip: str | None = None,
    extra: str = "",
) -> str:
    body = f"<title>{esc(tip)}</title>" if tip is not None else ""
    attrs = (
        f'class="{cls}" x="{coord(x)}" y="{coord(y)}" width="{coord(max(0.0, w))}" '
        f'height="{coord(max(0.0, h))}" fill="{fill}"{extra}'
    )
    return f"<rect {attrs}>{body}</rect>" if body else f"<rect {attrs}/>"


def label_width(labels: Sequence[str], size: float, cap: float, floor: float = 0.0) -> float:
    widest = max((text_width(s, size) for s in labels), default=0.0)
    return max(floor, min(cap, widest))


def value_axis_y(
    parts: list[str],
    ticks: Sequence[float],
    *,
    top: float,
    bottom: float,
    left: float,
    right: float,
    fmt: Fmt,
) -> None:
    """Horizontal gridlines with tick labels to the left of ``left``."""
    lo, hi = ticks[0], ticks[-1]
    for t in ticks:
        y = position(t, lo, hi, bottom, top)
        cls = "chart-zero" if t == 0 and lo < 0 else "chart-grid"
        stroke = palette.INK if cls == "chart-zero" else palette.LINE
        parts.append(line(left, y, right, y, cls=cls, stroke=stroke))
        parts.append(
            text(
                left - 6,
                y,
                fmt(t),
                cls="chart-tick",
                anchor="end",
                size=SMALL,
                fill=palette.MUTED,
                max_width=left - 8,
            )
        )


def value_axis_x(
    parts: list[str],
    ticks: Sequence[float],
    *,
    top: float,
    bottom: float,
    left: float,
    right: float,
    fmt: Fmt,
) -> None:
    """Vertical gridlines with tick labels below ``bottom``."""
    lo, hi = ticks[0], ticks[-1]
    room = (right - left) / max(1, len(ticks) - 1)
    for t in ticks:
        x = position(t, lo, hi, left, right)
        cls = "chart-zero" if t == 0 and lo < 0 else "chart-grid"
        stroke = palette.INK if cls == "chart-zero" else palette.LINE
        parts.append(line(x, top, x, bottom, cls=cls, stroke=stroke))
        parts.append(
            text(
                x,
                bottom + 12,
                fmt(t),
                cls="chart-tick",
                anchor="middle",
                size=SMALL,
                fill=palette.MUTED,
                max_width=room - 2,
            )
        )


def legend(
    parts: list[str], names: Sequence[str], *, x: float, y: float, right: float, lines: bool
) -> float:
    """Swatches with series names, wrapping onto more rows; returns the height used."""
    cx, cy, row_h = x, y, 18.0
    for i, name in enumerate(names):
        shown, _ = fit(name, right - x - 26, SMALL)
        w = 26 + text_width(shown, SMALL) + 14
        if cx > x and cx + w > right:
            cx, cy = x, cy + row_h
        if lines:
            dash = palette.dash(i)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line class="chart-line chart-s{i % len(palette.SERIES)}" x1="{coord(cx)}" '
                f'y1="{coord(cy)}" x2="{coord(cx + 20)}" y2="{coord(cy)}" '
                f'stroke="{palette.series(i)}" stroke-width="2.5"{dash_attr}/>'
            )
        else:
            parts.append(
                rect(
                    cx + 4,
                    cy - 6,
                    12,
                    12,
                    fill=palette.series(i),
                    cls=f"chart-fill chart-s{i % len(palette.SERIES)}",
                )
            )
        parts.append(
            text(cx + 26, cy, name, cls="chart-legend", size=SMALL, max_width=right - x - 26)
        )
        cx += w
    return cy - y + row_h if names else 0.0


def series_class(i: int) -> str:
    return f"chart-s{i % len(palette.SERIES)}"


def check_length(values: Sequence[object], labels: Sequence[object], what: str) -> None:
    if len(values) > len(labels):
        raise ValueError(f"{what} has {len(values)} values for {len(labels)} labels")


def at(values: Sequence[float | None] | None, i: int) -> float | None:
    return clean(values[i]) if values is not None and i < len(values) else None


def runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Consecutive present points, split at the gaps."""
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(p)
    return [r for r in runs if r]


def path(run: Sequence[tuple[float, float]]) -> str:
    return " ".join(
        f"{'M' if j == 0 else 'L'}{coord(x)} {coord(y)}" for j, (x, y) in enumerate(run)
    )


def tip(*parts: str) -> str:
    head = " · ".join(p for p in parts[:-1] if p)
    return f"{head}: {parts[-1]}" if head else parts[-1]
