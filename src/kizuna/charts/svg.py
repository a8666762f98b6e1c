"""Chart functions: each returns a complete, escaped ``<svg>`` as :class:`markupsafe.Markup`.

Every user-facing word comes from the arguments (titles, labels, ``no_data_label``), numbers
are formatted by the caller's ``fmt``. Values that are ``None``, NaN or infinite count as
missing; sequences of values may be shorter than their labels (missing at the end) but never
longer. Element ids start with ``id_prefix`` (random when omitted), so several charts can share
one page. Colours come from CSS classes (``kizuna.charts.css.CHART_CSS``) with presentation
attributes as fallbacks; there are no ``style`` attributes, so a strict CSP is fine.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from kizuna.charts._text import esc
from kizuna.charts.bars import bar_chart, funnel_chart, histogram, paired_bar_chart
from kizuna.charts.contracts import Bar, FunnelStep, HistBin, Series
from kizuna.charts.heatmaps import heatmap
from kizuna.charts.lines import line_chart, sparkline

__all__ = [
    "Bar",
    "FunnelStep",
    "HistBin",
    "Series",
    "bar_chart",
    "data_table",
    "funnel_chart",
    "heatmap",
    "histogram",
    "line_chart",
    "paired_bar_chart",
    "sparkline",
]


def data_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str,
    row_headers: bool = True,
) -> Markup:
    """A visually hidden (``sr-only``) table of a chart's numbers for screen readers.

    Cells are text the caller has already formatted; with ``row_headers`` the first cell of
    each row is a row header.
    """
    out = [f'<table class="sr-only"><caption>{esc(caption)}</caption><thead><tr>']
    out.extend(f'<th scope="col">{esc(h)}</th>' for h in headers)
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for j, cell in enumerate(row):
            if j == 0 and row_headers:
                out.append(f'<th scope="row">{esc(cell)}</th>')
            else:
                out.append(f"<td>{esc(cell)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return Markup("".join(out))  # noqa: S704 - every cell is escaped above
