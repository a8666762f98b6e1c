"""What the overview page and the standalone HTML report show, built from an ``Overview``.

``build_view(overview, t)`` turns every section into plain values the templates print as they
are: KPI tiles, chart ``Markup`` (each with its accessible ``data_table``), table rows and
facts. Every word comes from ``t`` and every figure from :mod:`kizuna.metrics.display`, so the
dashboard and the report read the same. A missing section becomes a block with its note.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from kizuna.charts import svg
from kizuna.metrics import api as metrics
from kizuna.metrics import display
from kizuna.metrics.api import Overview
from kizuna.metrics.contracts import Kpi, Score, Unit
from kizuna.web import formatting

Translate = Callable[..., str]

#: The KPI tiles, in order: (section, field) of the Overview they read.
TILES: tuple[tuple[str, str], ...] = (
    ("commerce", "revenue"),
    ("commerce", "orders"),
    ("commerce", "aov"),
    ("commerce", "active_customers"),
    ("commerce", "new_customers"),
    ("commerce", "repeat_purchase_rate"),
    ("engagement", "sessions"),
    ("engagement", "email_open_rate"),
    ("churn_rate", "churn_rate"),
    ("satisfaction", "nps"),
    ("clv", "mean_clv"),
)
#: KPIs where a fall is the good news.
LOWER_IS_BETTER = frozenset({"churn_rate"})
RETENTION_PERIODS = 12
AT_RISK_ROWS = 20
TOP_TOUCHPOINTS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Tile:
    key: str
    label: str
    value: str
    change: str = ""
    direction: str = ""  # "up", "down" or "" (no change known)
    tone: str = ""  # "good" or "bad": whether the change is an improvement
    interval: str = ""
    n: str = ""
    spark: Markup | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    text: str
    num: bool = False
    customer_id: str | None = None  # links to the customer profile where links are allowed


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    svg: Markup
    table: Markup


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """One card of the page: a heading, facts (label, value), charts, tables and notes."""

    id: str
    title: str
    facts: tuple[tuple[str, str], ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    missing: str | None = None  # why the section could not be computed


@dataclass(frozen=True, slots=True, kw_only=True)
class OverviewView:
    title: str
    period: str
    previous: str
    zone: str
    as_of: str
    segment: str | None
    breakdown: str | None
    tiles: tuple[Tile, ...]
    blocks: tuple[Block, ...]


def _table(caption: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Table:
    return Table(caption=caption, headers=tuple(headers), rows=tuple(tuple(r) for r in rows))


def _pct(value: float | None) -> str:
    return display.number(value, Unit.RATIO)


def _whole_pct(value: float | None) -> str:
    """A share as a whole percentage: short enough for a heatmap cell (the table below the
    chart has the decimals)."""
    return "—" if value is None else f"{value * 100:.0f} %"


def _count(value: float | None) -> str:
    return display.number(value, Unit.COUNT)


def _plain(value: float | None, digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.{digits}f}"


def _direction(delta: float | None) -> str:
    if delta is None or not math.isfinite(delta) or delta == 0:
        return ""
    return "up" if delta > 0 else "down"


def _tone(key: str, direction: str) -> str:
    if not direction:
        return ""
    good = (direction == "down") if key in LOWER_IS_BETTER else (direction == "up")
    return "good" if good else "bad"


def _score_interval(score: Score) -> str:
    return f"{score.ci_low:.1f} – {score.ci_high:.1f}"


def period_label(start: date, end: date) -> str:
    return f"{start.isoformat()} – {end.isoformat()}"


class _Builder:
    def __init__(self, overview: Overview, t: Translate) -> None:
        self.o = overview
        self.t = t
        self.cur = overview.currency
        self.notes = {note.section: note.message for note in overview.notes}

    # -- helpers ---------------------------------------------------------------------------

    def money(self, value: float | None) -> str:
        return display.money(value, self.cur)

    def missing(self, section: str) -> str:
        return self.notes.get(section) or self.t("overview.not_computed")

    def chart(self, markup: Markup, headers: Sequence[str], rows: Sequence[Sequence[str]],
              caption: str) -> Chart:
        return Chart(svg=markup, table=svg.data_table(headers, rows, caption=caption))

    def kpi_tile(self, key: str, kpi: Kpi | None, section: str,
                 spark: Markup | None = None) -> Tile:
        label = self.t(f"kpi.{key}")
        if kpi is None:
            return Tile(key=key, label=label, value="—", note=self.missing(section))
        change = display.change(kpi, self.cur)
        direction = _direction(kpi.change) if change else ""
        return Tile(
            key=key, label=label, value=display.number(kpi.value, kpi.unit, self.cur),
            change=change, direction=direction, tone=_tone(key, direction),
            interval=display.interval(kpi, self.cur), n=_count(kpi.n), spark=spark,
            note=kpi.note,
        )

    # -- tiles ----------------------------------------------------------------------------

    def tiles(self) -> tuple[Tile, ...]:
        o, t = self.o, self.t
        out: list[Tile] = []
        spark: Markup | None = None
        if o.series is not None and o.series.points:
            spark = svg.sparkline([p.revenue for p in o.series.points],
                                  label=t("overview.spark", kpi=t("kpi.revenue")),
                                  id_prefix="ov-spark-revenue")
        for section, key in TILES:
            if section == "commerce":
                kpi = getattr(o.commerce, key) if o.commerce is not None else None
                out.append(self.kpi_tile(key, kpi, section,
                                         spark if key == "revenue" else None))
            elif section == "engagement":
                kpi = getattr(o.engagement, key) if o.engagement is not None else None
                out.append(self.kpi_tile(key, kpi, section))
            elif section == "churn_rate":
                out.append(self.kpi_tile(key, o.churn_rate, section))
            elif section == "satisfaction":
                out.append(self.nps_tile())
            else:
                out.append(self.clv_tile())
        return tuple(out)

    def nps_tile(self) -> Tile:
        label = self.t("kpi.nps")
        sat = self.o.satisfaction
        if sat is None:
            return Tile(key="nps", label=label, value="—", note=self.missing("satisfaction"))
        kind = sat.kinds.get("nps")
        if kind is None or kind.score is None:
            return Tile(key="nps", label=label, value="—", note=self.t("overview.no_answers"))
        score = kind.score
        change, direction = "", ""
        if kind.previous is not None:
            delta = score.value - kind.previous.value
            change, direction = f"{delta:+.1f} pt", _direction(delta)
        return Tile(key="nps", label=label, value=f"{score.value:.1f}", change=change,
                    direction=direction, tone=_tone("nps", direction),
                    interval=_score_interval(score), n=_count(score.n))

    def clv_tile(self) -> Tile:
        label = self.t("kpi.mean_clv")
        clv = self.o.clv
        if clv is None:
            return Tile(key="mean_clv", label=label, value="—", note=self.missing("clv"))
        interval = ""
        if clv.mean_clv_ci_low is not None and clv.mean_clv_ci_high is not None:
            interval = f"{self.money(clv.mean_clv_ci_low)} – {self.money(clv.mean_clv_ci_high)}"
        return Tile(key="mean_clv", label=label, value=self.money(clv.mean_clv),
                    interval=interval, n=_count(clv.n_customers))

    # -- blocks ---------------------------------------------------------------------------

    def series(self) -> Block:
        t, s = self.t, self.o.series
        title = t("section.series")
        if s is None:
            return Block(id="series", title=title, missing=self.missing("series"))
        labels = [p.start.isoformat() for p in s.points]
        chart = svg.line_chart(
            [svg.Series(name=t("kpi.revenue"), values=[p.revenue for p in s.points])],
            x_labels=labels, title=title,
            desc=t("overview.series.desc", grain=t(f"grain.{s.grain}")),
            fmt=self.money, no_data_label=t("overview.no_data"), zero_based=True,
            id_prefix="ov-series")
        rows = [[p.start.isoformat(), self.money(p.revenue), _count(p.orders)] for p in s.points]
        headers = [t("col.start"), t("kpi.revenue"), t("kpi.orders")]
        return Block(id="series", title=title,
                     charts=(self.chart(chart, headers, rows, title),),
                     notes=(s.note,) if s.note else ())

    def breakdown(self) -> Block | None:
        if self.o.breakdown is None:
            return None
        t = self.t
        dimension = t(f"by.{self.o.breakdown}")
        title = t("section.breakdown", dimension=dimension)
        c = self.o.commerce
        if c is None or c.breakdown is None:
            return Block(id="breakdown", title=title, missing=self.missing("commerce"))
        b = c.breakdown
        rows = [[
            Cell(text=self.label_of(self.o.breakdown, r.value)),
            Cell(text=self.money(r.revenue.value), num=True),
            Cell(text=_pct(r.revenue_share), num=True),
            Cell(text=_count(r.orders.value), num=True),
            Cell(text=self.money(r.aov.value), num=True),
            Cell(text=_count(r.active_customers.value), num=True),
        ] for r in b.rows]
        headers = [dimension, t("kpi.revenue"), t("col.revenue_share"), t("kpi.orders"),
                   t("kpi.aov"), t("kpi.active_customers")]
        return Block(id="breakdown", title=title, tables=(_table(title, headers, rows),),
                     notes=(b.note,) if b.note else ())

    def label_of(self, dimension: str, value: str) -> str:
        if dimension == "segment":
            return self.segment_name(value)
        if dimension == "stage":
            return self.stage_name(value)
        return value

    def segment_name(self, value: str) -> str:
        try:
            return self.t(f"rfm.segment.{metrics.RfmSegment(value).name.lower()}")
        except ValueError:
            return value

    def stage_name(self, value: str) -> str:
        key = f"journey.stage.{value}"
        text = self.t(key)
        return value if text == key else text

    def retention(self) -> Block:
        t, m = self.t, self.o.retention
        title = t("section.retention")
        if m is None:
            return Block(id="retention", title=title, missing=self.missing("retention"))
        cohorts = [c for c in m.cohorts if c.n > 0]
        cols = [str(k) for k in range(RETENTION_PERIODS + 1)]
        row_labels = [t("overview.retention.cohort", month=c.start.strftime("%Y-%m"),
                        n=f"{c.n:,}") for c in cohorts]
        values: list[list[float | None]] = []
        for c in cohorts:
            by_k = {cell.k: cell.share for cell in c.cells}
            values.append([by_k.get(k) for k in range(RETENTION_PERIODS + 1)])
        chart = svg.heatmap(row_labels, cols, values, title=title,
                            desc=t("overview.retention.desc"), fmt=_whole_pct, low=0.0,
                            high=1.0,
                            no_data_label=t("overview.no_data"), id_prefix="ov-retention")
        rows = [[label, *(_pct(v) if v is not None else t("overview.not_yet") for v in row)]
                for label, row in zip(row_labels, values, strict=True)]
        headers = [t("col.cohort"), *cols]
        return Block(id="retention", title=title,
                     charts=(self.chart(chart, headers, rows, title),),
                     notes=((m.note,) if m.note else ()) + (t("overview.retention.hint"),))

    def funnel(self) -> Block:
        t, f = self.t, self.o.funnel
        title = t("section.funnel")
        if f is None:
            return Block(id="funnel", title=title, missing=self.missing("funnel"))
        steps = [svg.FunnelStep(label=self.step_name(s.name), count=s.people,
                                conversion=s.from_previous.value if s.step > 1 else None)
                 for s in f.steps]
        chart = svg.funnel_chart(steps, title=title, desc=t("overview.funnel.desc"),
                                 no_data_label=t("overview.no_data"), id_prefix="ov-funnel")
        rows = [[self.step_name(s.name), _count(s.people),
                 _pct(s.from_previous.value) if s.step > 1 else "",
                 _pct(s.from_start.value) if s.step > 1 else ""] for s in f.steps]
        headers = [t("col.step"), t("col.people"), t("col.from_previous"), t("col.from_start")]
        facts = ((t("overview.funnel.overall"), display.number(f.overall.value, Unit.RATIO)),)
        return Block(id="funnel", title=title, facts=facts,
                     charts=(self.chart(chart, headers, rows, title),),
                     notes=(f.note,) if f.note else ())

    def step_name(self, name: str) -> str:
        key = "funnel.step." + name.lower().replace(" ", "_")
        text = self.t(key)
        return name if text == key else text

    def journey(self) -> Block:
        t, j = self.t, self.o.journey
        title = t("section.journey")
        if j is None:
            return Block(id="journey", title=title, missing=self.missing("journey"))
        steps = [svg.FunnelStep(label=self.stage_name(str(s.stage)), count=s.reached,
                                conversion=s.conversion if i else None)
                 for i, s in enumerate(j.funnel)]
        chart = svg.funnel_chart(steps, title=t("overview.journey.funnel"),
                                 desc=t("overview.journey.desc"),
                                 no_data_label=t("overview.no_data"), id_prefix="ov-journey")
        rows = [[self.stage_name(str(s.stage)), _count(s.reached), _count(s.current),
                 _pct(s.conversion)] for s in j.funnel]
        headers = [t("col.stage"), t("col.reached"), t("col.current"), t("col.conversion")]
        no_answers = t("overview.no_answers")
        map_rows = []
        for stage in j.journey_map:
            top = ", ".join(f"{tp.name} ({_pct(tp.share)})"
                            for tp in stage.touchpoints[:TOP_TOUCHPOINTS]) or t("common.none")
            map_rows.append([
                Cell(text=self.stage_name(str(stage.stage))),
                Cell(text=_count(stage.people), num=True),
                Cell(text=top),
                Cell(text=f"{stage.nps.value:.1f} (n={stage.nps.n})" if stage.nps else no_answers),
                Cell(text=f"{stage.csat.value:.1f} % (n={stage.csat.n})"
                     if stage.csat else no_answers),
            ])
        map_headers = [t("col.stage"), t("col.people"), t("col.touchpoints"), t("kpi.nps"),
                       t("col.csat")]
        facts = ((t("col.people"), _count(j.people)), (t("overview.journey.no_stage"),
                                                       _count(j.no_stage)))
        return Block(id="journey", title=title, facts=facts,
                     charts=(self.chart(chart, headers, rows, t("overview.journey.funnel")),),
                     tables=(_table(t("overview.journey.map"), map_headers, map_rows),))

    def rfm(self) -> Block:
        t, r = self.t, self.o.rfm
        title = t("section.rfm")
        if r is None:
            return Block(id="rfm", title=title, missing=self.missing("rfm"))
        row_labels = [f"R{score}" for score in range(5, 0, -1)]
        col_labels = [f"F{score}" for score in range(1, 6)]
        values: list[list[float | None]] = [
            [float(r.rf_grid[score - 1][f - 1]) for f in range(1, 6)]
            for score in range(5, 0, -1)]
        chart = svg.heatmap(row_labels, col_labels, values, title=t("overview.rfm.grid"),
                            desc=t("overview.rfm.desc"), fmt=_count, low=0.0,
                            no_data_label=t("overview.no_data"), id_prefix="ov-rfm")
        rows = [[label, *(_count(v) for v in row)]
                for label, row in zip(row_labels, values, strict=True)]
        segments = [[
            Cell(text=self.segment_name(str(s.segment))),
            Cell(text=_count(s.customers), num=True),
            Cell(text=_pct(s.share), num=True),
            Cell(text=self.money(s.revenue), num=True),
            Cell(text=_pct(s.revenue_share), num=True),
        ] for s in r.segments if s.customers > 0]
        headers = [t("col.segment"), t("col.customers"), t("col.share"), t("kpi.revenue"),
                   t("col.revenue_share")]
        return Block(id="rfm", title=title, facts=((t("col.customers"), _count(r.n)),),
                     charts=(self.chart(chart, ["", *col_labels], rows,
                                        t("overview.rfm.grid")),),
                     tables=(_table(t("overview.rfm.segments"), headers, segments),))

    def involvement(self) -> Block:
        t, inv = self.t, self.o.involvement
        title = t("section.involvement")
        if inv is None:
            return Block(id="involvement", title=title, missing=self.missing("involvement"))
        rows = [[
            Cell(text=c.category),
            Cell(text=_count(c.n), num=True),
            Cell(text=_plain(c.sessions.value), num=True),
            Cell(text=_plain(c.views.value), num=True),
            Cell(text=display.number(c.days_to_purchase.value, Unit.DAYS), num=True),
            Cell(text=t(f"involvement.{c.level}")),
        ] for c in inv.categories]
        headers = [t("col.category"), t("kpi.orders"), t("col.sessions_before"),
                   t("col.views_before"), t("col.days_to_purchase"), t("col.involvement")]
        notes = tuple(n for n in (inv.note, inv.rule) if n)
        return Block(id="involvement", title=title, tables=(_table(title, headers, rows),),
                     notes=notes)

    def satisfaction(self) -> Block:
        t, sat = self.t, self.o.satisfaction
        title = t("section.satisfaction")
        if sat is None:
            return Block(id="satisfaction", title=title, missing=self.missing("satisfaction"))
        rows = []
        for name, kind in sat.kinds.items():
            score, prev = kind.score, kind.previous
            rows.append([
                Cell(text=t(f"score.{name}")),
                Cell(text=f"{score.value:.1f}" if score else t("overview.no_answers"), num=True),
                Cell(text=_count(kind.n), num=True),
                Cell(text=_score_interval(score) if score else ""),
                Cell(text=f"{prev.value:.1f}" if prev else "—", num=True),
                Cell(text=f"{kind.change.difference:+.1f}" if kind.change else "", num=True),
                Cell(text=display.p_value(kind.change.p_value) if kind.change else "", num=True),
            ])
        headers = [t("col.score"), t("col.value"), t("col.n"), t("col.interval"),
                   t("col.previous"), t("col.change"), t("col.p")]
        return Block(id="satisfaction", title=title, tables=(_table(title, headers, rows),),
                     notes=tuple(sat.notes))

    def clv(self) -> Block:
        t, c = self.t, self.o.clv
        title = t("section.clv")
        if c is None:
            return Block(id="clv", title=title, missing=self.missing("clv"))
        interval = ""
        if c.mean_clv_ci_low is not None and c.mean_clv_ci_high is not None:
            interval = f" ({self.money(c.mean_clv_ci_low)} – {self.money(c.mean_clv_ci_high)})"
        facts = (
            (t("overview.clv.total"), self.money(c.total_clv)),
            (t("kpi.mean_clv"), self.money(c.mean_clv) + interval),
            (t("col.customers"), _count(c.n_customers)),
            (t("overview.clv.repeat_buyers"), _count(c.n_repeat_buyers)),
            (t("overview.clv.p_alive_below_half"), _pct(c.share_p_alive_below_half)),
            (t("overview.clv.horizon"), t("overview.clv.months", months=c.months)),
        )
        bins = [svg.HistBin(low=b.low, high=b.high, count=b.n) for b in c.clv_histogram]
        chart = svg.histogram(bins, title=t("overview.clv.histogram"),
                              desc=t("overview.clv.desc"), fmt=self.money,
                              no_data_label=t("overview.no_data"), id_prefix="ov-clv")
        rows = [[f"{self.money(b.low)} – {self.money(b.high)}", _count(b.n)]
                for b in c.clv_histogram]
        return Block(id="clv", title=title, facts=facts,
                     charts=(self.chart(chart, [t("col.range"), t("col.customers")], rows,
                                        t("overview.clv.histogram")),),
                     notes=tuple(c.notes))

    def clv_validation(self) -> Block:
        t, v = self.t, self.o.clv_validation
        title = t("section.clv_validation")
        if v is None:
            return Block(id="clv_validation", title=title,
                         missing=self.missing("clv_validation"))
        buckets = v.report.buckets
        actual, predicted = t("col.actual"), t("col.predicted")
        chart = svg.paired_bar_chart(
            [b.frequency for b in buckets],
            {actual: [b.actual_mean for b in buckets],
             predicted: [b.predicted_mean for b in buckets]},
            title=title, desc=t("overview.validation.desc"), fmt=lambda x: _plain(x),
            no_data_label=t("overview.no_data"), id_prefix="ov-validation")
        rows = [[b.frequency, _count(b.n_customers), _plain(b.actual_mean),
                 _plain(b.predicted_mean)] for b in buckets]
        e = v.report.errors
        facts = (
            (t("overview.validation.holdout"),
             period_label(v.calibration_end, v.observation_end)),
            (t("overview.validation.mae"), f"{_plain(e.mae, 3)} / {_plain(e.baseline_mae, 3)}"),
            (t("overview.validation.mae_ratio"), _plain(e.mae_ratio, 2)),
            (t("col.customers"), _count(v.n_customers)),
        )
        return Block(id="clv_validation", title=title, facts=facts,
                     charts=(self.chart(chart, [t("col.frequency"), t("col.customers"), actual,
                                                predicted], rows, title),),
                     notes=(t("overview.validation.hint"),))

    def churn_model(self) -> Block:
        t, c = self.t, self.o.churn_model
        title = t("section.churn_model")
        if c is None:
            return Block(id="churn_model", title=title, missing=self.missing("churn_model"))
        baseline = "—"
        if c.baseline_auc is not None:
            baseline = _plain(c.baseline_auc, 3)
            if c.baseline_auc_ci_low is not None and c.baseline_auc_ci_high is not None:
                baseline += f" ({_plain(c.baseline_auc_ci_low, 3)} – " \
                            f"{_plain(c.baseline_auc_ci_high, 3)})"
        facts = (
            (t("overview.churn.auc"),
             f"{_plain(c.auc, 3)} ({_plain(c.auc_ci_low, 3)} – {_plain(c.auc_ci_high, 3)})"),
            (t("overview.churn.baseline_auc"), baseline),
            (t("overview.churn.brier"),
             f"{_plain(c.brier, 3)} / {_plain(c.brier_baseline, 3)}"),
            (t("overview.churn.test"), _count(c.test.n)),
            (t("overview.churn.mean_probability"), _pct(c.mean_churn_probability)),
        )
        return Block(id="churn_model", title=title, facts=facts, notes=tuple(c.notes))

    def at_risk(self) -> Block:
        t, rows_in = self.t, self.o.at_risk
        title = t("section.at_risk")
        if rows_in is None:
            return Block(id="at_risk", title=title, missing=self.missing("at_risk"))
        rows = [[
            Cell(text=a.email or a.external_id or f"#{a.customer_id}",
                 customer_id=str(a.customer_id)),
            Cell(text=a.country or t("common.none")),
            Cell(text=formatting.format_date(a.last_order_date)),
            Cell(text=_count(a.orders), num=True),
            Cell(text=self.money(a.spend), num=True),
            Cell(text=_pct(a.p_alive), num=True),
            Cell(text=_pct(a.churn_probability), num=True),
            Cell(text=self.money(a.clv), num=True),
            Cell(text=self.money(a.value_at_risk), num=True),
        ] for a in rows_in[:AT_RISK_ROWS]]
        headers = [t("col.customer"), t("col.country"), t("col.last_order"), t("kpi.orders"),
                   t("col.spend"), t("col.p_alive"), t("col.churn_probability"), t("col.clv"),
                   t("col.value_at_risk")]
        if not rows:
            return Block(id="at_risk", title=title, notes=(t("overview.at_risk.none"),))
        return Block(id="at_risk", title=title, tables=(_table(title, headers, rows),),
                     notes=(t("overview.at_risk.hint"),))

    def notes_block(self) -> Block:
        t = self.t
        notes = [f"{t('section.' + n.section)}: {n.message}" for n in self.o.notes]
        notes.extend(self.o.data_notes)
        return Block(id="notes", title=t("section.notes"),
                     notes=tuple(notes) or (t("overview.notes.none"),))

    def blocks(self) -> tuple[Block, ...]:
        # Half-width cards come in pairs; retention, the journey map, the breakdown, the
        # at-risk list and the notes span the row (see the /* overview */ CSS).
        blocks = [self.series(), self.funnel()]
        breakdown = self.breakdown()
        if breakdown is not None:
            blocks.append(breakdown)
        blocks += [self.retention(), self.journey(), self.rfm(), self.involvement(),
                   self.satisfaction(), self.clv(), self.clv_validation(), self.churn_model(),
                   self.at_risk(), self.notes_block()]
        return tuple(blocks)


def build_view(overview: Overview, t: Translate) -> OverviewView:
    """Everything the overview templates show, in the language of ``t``."""
    builder = _Builder(overview, t)
    zone = formatting.zone(overview.timezone)
    period = period_label(overview.period_start, overview.period_end)
    segment = None
    if overview.segment:
        if overview.segment.startswith("stage:"):
            segment = builder.stage_name(overview.segment.split(":", 1)[1])
        else:
            segment = builder.segment_name(overview.segment)
    return OverviewView(
        title=t("overview.title_period", period=period),
        period=period,
        previous=period_label(overview.previous_start, overview.previous_end),
        zone=zone.key,
        as_of=formatting.format_datetime(overview.as_of, zone),
        segment=segment,
        breakdown=t(f"by.{overview.breakdown}") if overview.breakdown else None,
        tiles=builder.tiles(),
        blocks=builder.blocks(),
    )
