"""Server-rendered SVG charts for the dashboard and the standalone HTML report.

Pure functions that return :class:`markupsafe.Markup`; no web framework, no JavaScript. Use
``from kizuna.charts import svg`` and call ``svg.line_chart(...)`` and friends; the matching
stylesheet is ``kizuna.charts.css.CHART_CSS`` (also appended to the dashboard's app.css).
"""
