"""Colours: a categorical palette for series and a sequential one interpolated for heatmaps."""

from __future__ import annotations

# Colour-blind-friendly series colours; the dashboard's link blue and accent red come first.
SERIES = ("#1f4fb5", "#b3261e", "#1e7b4b", "#9a6700", "#6941c6", "#0e7490")
# Dash patterns so series stay apart in print and for colour-blind readers.
DASHES = ("", "6 4", "2 3", "8 3 2 3", "1 2", "10 4")
# ColorBrewer "Blues", nine classes: light (low) to dark (high).
SEQUENTIAL = (
    "#f7fbff",
    "#deebf7",
    "#c6dbef",
    "#9ecae1",
    "#6baed6",
    "#4292c6",
    "#2171b5",
    "#08519c",
    "#08306b",
)
INK = "#1d2330"
MUTED = "#667085"
LINE = "#e3e6eb"
ON_DARK = "#ffffff"
MISSING = "#9aa1ad"


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def sequential(t: float) -> str:
    """The colour at ``t`` in [0, 1] along :data:`SEQUENTIAL` (clamped), as ``#rrggbb``."""
    t = max(0.0, min(1.0, t)) if t == t else 0.0
    pos = t * (len(SEQUENTIAL) - 1)
    i = min(int(pos), len(SEQUENTIAL) - 2)
    frac = pos - i
    a, b = _rgb(SEQUENTIAL[i]), _rgb(SEQUENTIAL[i + 1])
    r, g, bl = (round(x + (y - x) * frac) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_dark(background: str) -> bool:
    """Whether light text reads better than dark text on ``background``."""
    return contrast(background, ON_DARK) > contrast(background, INK)


def series(index: int) -> str:
    return SERIES[index % len(SERIES)]


def dash(index: int) -> str:
    return DASHES[index % len(DASHES)]
