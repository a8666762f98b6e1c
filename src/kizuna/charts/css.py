"""The charts' stylesheet: appended to the dashboard's app.css and inlined by the HTML report.

Every rule restates a presentation attribute the SVG already carries, so charts look right
without this CSS too; with it, the dashboard's theme variables apply.
"""

from __future__ import annotations

from kizuna.charts import palette


def _series_rules() -> str:
    lines = []
    for i, colour in enumerate(palette.SERIES):
        lines.append(f".chart .chart-line.chart-s{i} {{ stroke: {colour}; }}")
        lines.append(f".chart .chart-fill.chart-s{i} {{ fill: {colour}; }}")
    return "\n".join(lines)


CHART_CSS = f"""/* charts */
.chart {{ display: block; width: 100%; height: auto; max-width: 100%; overflow: visible;
  font-family: inherit; }}
.chart text {{ fill: var(--ink, {palette.INK}); }}
.chart text.chart-tick, .chart text.chart-empty, .chart text.chart-ratio {{
  fill: var(--muted, {palette.MUTED}); }}
.chart text.chart-on-dark {{ fill: {palette.ON_DARK}; }}
.chart text.chart-on-light {{ fill: {palette.INK}; }}
.chart .chart-grid {{ stroke: var(--line, {palette.LINE}); }}
.chart .chart-zero, .chart .chart-errorbar {{ stroke: var(--ink, {palette.INK}); }}
.chart .chart-cell-missing {{ stroke: var(--line, {palette.LINE}); }}
.chart .chart-hatch-line {{ stroke: {palette.MISSING}; }}
{_series_rules()}
.chart-spark {{ display: inline-block; width: 7.5rem; height: 2rem; vertical-align: middle; }}
.sr-only {{ position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
  border: 0; }}
@media print {{
  .chart {{ break-inside: avoid; }}
  .chart text {{ fill: #000; }}
}}
"""
