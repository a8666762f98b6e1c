"""`kizuna report`: the overview's figures as terminal tables, JSON or a standalone HTML file."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from kizuna.cli.context import console, err_console, fail, print_json, runtime_of, session_of
from kizuna.clock import as_utc
from kizuna.errors import Invalid, KizunaError
from kizuna.metrics import api as metrics
from kizuna.metrics import display
from kizuna.metrics.contracts import Kpi
from kizuna.workspaces import api as workspaces

SECTION_NAMES = ", ".join(s.value for s in metrics.Section)


def _as_of(text: str | None, now: datetime) -> datetime:
    if text is None:
        return now
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(f"--as-of {text!r} is not an ISO date or date-time.") from exc
    if value.tzinfo is None:
        raise Invalid("--as-of needs a time zone, e.g. 2026-12-01T00:00:00+09:00.")
    return as_utc(value)


def report(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option(
        "--period", help="last-30d (default), 2026-11, 2026-Q3, 2026 or 2026-11-01..2026-11-30 "
        "(local dates)", show_default=False)] = None,
    segment: Annotated[str | None, typer.Option(
        "--segment", help="Limit to an RFM segment (e.g. 'At Risk') or stage:<name>.",
        show_default=False)] = None,
    by: Annotated[str | None, typer.Option(
        "--by", help=f"Commerce breakdown: {', '.join(metrics.BREAKDOWNS)}.",
        show_default=False)] = None,
    section: Annotated[list[str] | None, typer.Option(
        "--section", help=f"Only these sections (repeatable): {SECTION_NAMES}.",
        show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Compute as of this instant (ISO 8601 with zone); default now.",
        show_default=False)] = None,
    inactive_days: Annotated[int, typer.Option(
        "--inactive-days", min=1, max=3650, help="Churn window in days.")] = 90,
    cohort_grain: Annotated[str, typer.Option(
        "--cohort-grain", help="Retention cohorts by month or week.")] = "month",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write a standalone HTML report with charts to this file.",
        show_default=False, dir_okay=False)] = None,
    locale: Annotated[str, typer.Option("--locale", help="Language of the HTML report: ja or en.")]
    = "ja",
) -> None:
    """KPIs, cohorts, funnel, journey stages, RFM, involvement, satisfaction, CLV and churn."""
    try:
        wanted = [metrics.Section(s) for s in section] if section else None
    except ValueError as exc:
        raise fail(Invalid(f"Unknown --section; use {SECTION_NAMES}.")) from exc
    if locale not in ("ja", "en"):
        raise fail(Invalid("--locale must be ja or en."))
    if cohort_grain not in ("month", "week"):
        raise fail(Invalid("--cohort-grain must be month or week."))
    try:
        with runtime_of(ctx) as rt:
            with session_of(rt) as session:
                ws = workspaces.ensure_default_workspace(session, rt.clock)
            when = _as_of(as_of, rt.clock.now())
            with metrics.snapshot_workspace(rt.settings.database_url, ws, as_of=when) as snap:
                chosen = metrics.parse_period(
                    period, today=when.astimezone(snap.zone).date())
                overview = _build(snap, chosen, segment, by, wanted, inactive_days,
                                  cohort_grain, as_json)
    except KizunaError as exc:
        raise fail(exc) from exc
    if html is not None:
        from kizuna.web import report_html

        try:
            html.write_text(report_html.render_report(overview, locale=locale), encoding="utf-8")
        except OSError as exc:
            raise fail(Invalid(f"Cannot write {html}: {exc}")) from exc
        err_console.print(f"HTML report written to {html}")
    if as_json:
        print_json(metrics.to_jsonable(overview))
    else:
        _print(overview)


def _build(snap: Any, period: metrics.Period, segment: str | None, by: str | None,
           wanted: list[metrics.Section] | None, inactive_days: int, cohort_grain: str,
           quiet: bool) -> metrics.Overview:
    total = len(wanted) if wanted else len(metrics.Section)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=quiet) as progress:
        task = progress.add_task("Computing", total=total)
        seen: list[str] = []

        def step(name: str) -> None:
            if seen:
                progress.advance(task)
            seen.append(name)
            progress.update(task, description=f"Computing {name}")

        overview = metrics.build_overview(snap, period, segment=segment, breakdown=by,
                                          sections=wanted, inactive_days=inactive_days,
                                          cohort_grain=cohort_grain, on_section=step)
        progress.advance(task)
    return overview


def _kpis(obj: Any) -> list[Kpi]:
    if obj is None or not is_dataclass(obj):
        return []
    return [v for f in fields(obj) if isinstance(v := getattr(obj, f.name), Kpi)]


def _kpi_table(title: str, kpis: list[Kpi], currency: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name, justify in (("KPI", "left"), ("value", "right"), ("previous", "right"),
                          ("change", "right"), ("95 % interval", "right"), ("n", "right"),
                          ("p", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for k in kpis:
        table.add_row(k.key.replace("_", " "), display.number(k.value, k.unit, currency),
                      display.number(k.previous, k.unit, currency), display.change(k, currency),
                      display.interval(k, currency), f"{k.n:,}", display.p_value(k.p_value))
    return table


def _print(o: metrics.Overview) -> None:
    cur = o.currency
    console.print(f"[bold]kizuna report[/] {o.period_start} .. {o.period_end} "
                  f"(previous {o.previous_start} .. {o.previous_end}; {o.timezone}; "
                  f"as of {o.as_of:%Y-%m-%d %H:%M} UTC)"
                  + (f" — segment {o.segment}" if o.segment else ""))
    if o.commerce:
        console.print(_kpi_table("Commerce", _kpis(o.commerce), cur))
        if o.commerce.breakdown:
            b = o.commerce.breakdown
            t = Table(title=f"By {b.dimension}", title_justify="left")
            for c in ("value", "revenue", "share", "orders", "AOV", "customers"):
                t.add_column(c, justify="left" if c == "value" else "right")
            for r in b.rows:
                t.add_row(r.value, display.money(r.revenue.value, cur),
                          display.number(r.revenue_share, "ratio"),
                          display.number(r.orders.value, "count"), display.money(r.aov.value, cur),
                          display.number(r.active_customers.value, "count"))
            console.print(t)
    if o.engagement:
        console.print(_kpi_table("Engagement", _kpis(o.engagement), cur))
    if o.churn_rate:
        console.print(_kpi_table("Churn", [o.churn_rate], cur))
    if o.satisfaction:
        t = Table(title="Satisfaction", title_justify="left")
        for c in ("kind", "score", "95 % interval", "n", "previous", "change p"):
            t.add_column(c, justify="left" if c == "kind" else "right")
        for kind, kr in o.satisfaction.kinds.items():
            s = kr.score
            prev = kr.previous
            t.add_row(kind, f"{s.value:.1f}" if s else "—",
                      f"{s.ci_low:.1f} – {s.ci_high:.1f}" if s else "", f"{kr.n:,}",
                      f"{prev.value:.1f}" if prev else "—",
                      display.p_value(kr.change.p_value) if kr.change else "")
        console.print(t)
    if o.funnel:
        t = Table(title="Purchase funnel", title_justify="left")
        for c in ("step", "people", "from previous", "from start"):
            t.add_column(c, justify="left" if c == "step" else "right")
        for st in o.funnel.steps:
            t.add_row(st.name, f"{st.people:,}", display.number(st.from_previous.value, "ratio"),
                      display.number(st.from_start.value, "ratio"))
        console.print(t)
    if o.journey:
        t = Table(title="Journey stages", title_justify="left")
        for c in ("stage", "reached", "current", "conversion"):
            t.add_column(c, justify="left" if c == "stage" else "right")
        for fs in o.journey.funnel:
            t.add_row(str(fs.stage), f"{fs.reached:,}", f"{fs.current:,}",
                      display.number(fs.conversion, "ratio"))
        console.print(t)
    if o.rfm:
        t = Table(title="RFM segments", title_justify="left")
        for c in ("segment", "customers", "share", "revenue share"):
            t.add_column(c, justify="left" if c == "segment" else "right")
        for seg in o.rfm.segments:
            t.add_row(str(seg.segment), f"{seg.customers:,}", display.number(seg.share, "ratio"),
                      display.number(seg.revenue_share, "ratio"))
        console.print(t)
    if o.retention:
        unit = "month" if o.retention.grain == "month" else "week"
        t = Table(title=f"Cohort retention by {unit} (share ordering in {unit} k)",
                  title_justify="left")
        t.add_column("cohort")
        t.add_column("n", justify="right")
        ks = range(0, min(o.retention.periods, 6) + 1)
        for k in ks:
            t.add_column(f"k={k}", justify="right")
        for cohort in [c for c in o.retention.cohorts if c.n > 0][-12:]:
            cells = {cell.k: cell for cell in cohort.cells}
            t.add_row(cohort.start.strftime("%Y-%m" if unit == "month" else "%Y-%m-%d"),
                      f"{cohort.n:,}", *(
                display.number(cells[k].share, "ratio") if k in cells else "" for k in ks))
        console.print(t)
    if o.involvement:
        t = Table(title="Involvement per category", title_justify="left")
        for c in ("category", "orders", "sessions", "views", "days to buy", "level"):
            t.add_column(c, justify="left" if c in ("category", "level") else "right")
        for ci in o.involvement.categories:
            t.add_row(ci.category, f"{ci.n:,}", display.number(ci.sessions.value, "mean"),
                      display.number(ci.views.value, "mean"),
                      display.number(ci.days_to_purchase.value, "days"), str(ci.level))
        console.print(t)
    if o.clv:
        v = o.clv
        console.print(f"[bold]CLV[/] ({v.model}, {v.months} months, {v.n_customers:,} customers): "
                      f"total {display.money(v.total_clv, cur)}, mean "
                      f"{display.money(v.mean_clv, cur)} "
                      f"[{display.money(v.mean_clv_ci_low, cur)} – "
                      f"{display.money(v.mean_clv_ci_high, cur)}]; "
                      f"P(alive) < 0.5: {display.number(v.share_p_alive_below_half, 'ratio')}")
    if o.churn_model:
        m = o.churn_model
        base = f", P(alive) baseline {m.baseline_auc:.3f}" if m.baseline_auc is not None else ""
        console.print(f"[bold]Churn model[/] ({m.model}): test AUC {m.auc:.3f} "
                      f"[{m.auc_ci_low:.3f} – {m.auc_ci_high:.3f}], Brier {m.brier:.3f}{base}")
    if o.at_risk:
        t = Table(title="At-risk high-value customers", title_justify="left")
        for c in ("customer", "email", "orders", "spend", "churn p", "value at risk"):
            t.add_column(c, justify="left" if c in ("customer", "email") else "right")
        for a in o.at_risk[:15]:
            t.add_row(a.external_id or str(a.customer_id), a.email or "", f"{a.orders:,}",
                      display.money(a.spend, cur), f"{a.churn_probability:.2f}",
                      display.money(a.value_at_risk, cur))
        console.print(t)
    for note in o.data_notes:
        console.print(f"[yellow]note[/]: {note}")
    for n in o.notes:
        console.print(f"[yellow]{n.section}[/] not computed ({n.code}): {n.message}")
