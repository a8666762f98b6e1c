"""All KPI sections over seeded analytic tables: kizuna vs a straightforward pandas version.

Run: python benchmarks/bench_metrics.py [--customers 1000000 --events 20000000] [--runs 3]
     python benchmarks/bench_metrics.py --quick          (100,000 customers / 2,000,000 events)

The tables are generated once (benchmarks/metrics_data.py). Each kizuna run starts from a
fresh in-memory copy of them and times ``open_snapshot`` (it builds ``page_views`` and
``sessions``) plus ``build_overview`` with the KPI sections for the 30-day period
2026-11-01..2026-11-30 (Asia/Tokyo). The pandas reference (benchmarks/pandas_metrics.py)
computes the same figures from the base tables exported to DataFrames (export not timed;
its sessionisation is timed, like kizuna's). Headline figures of both are printed and must
agree to 1e-6 relative (RFM segment counts to 1e-4, see ``RFM_RTOL``).
kizuna: median of ``--runs``; pandas: median of ``--pandas-runs``
(default: as many as --runs, 1 above 2 M events).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

import metrics_data
import pandas_metrics

from kizuna.analytics import engine
from kizuna.analytics.snapshot import open_snapshot
from kizuna.metrics.periods import Period
from kizuna.metrics.report import Overview, build_overview

SECTIONS = ("commerce", "series", "engagement", "engagement_scores", "retention", "churn_rate",
            "funnel", "journey", "rfm", "involvement", "satisfaction")
PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))
TZ = "Asia/Tokyo"
BASE = ("customers", "products", "orders", "order_items", "events")


def kizuna_run(path: Path) -> tuple[float, float, Overview]:
    con = engine.connect(threads=2)
    con.execute(f"ATTACH '{path}' AS src (READ_ONLY)")
    for table in BASE:  # a fresh in-memory copy of the generated tables (not timed)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table}")
    con.execute("DETACH src")
    t0 = time.perf_counter()
    snap = open_snapshot(con, timezone=TZ, currency="JPY", as_of=metrics_data.END)
    t1 = time.perf_counter()
    overview = build_overview(snap, PERIOD, sections=SECTIONS)
    t2 = time.perf_counter()
    con.close()
    return t1 - t0, t2 - t0, overview


def spans() -> pandas_metrics.Spans:
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(TZ)
    lo, hi = PERIOD.bounds_utc(zone)
    prev_lo, _ = PERIOD.previous().bounds_utc(zone)
    as_of = metrics_data.END.replace(tzinfo=None)
    return pandas_metrics.Spans(prev_lo=prev_lo, lo=lo, hi=hi, as_of=as_of,
                                today=metrics_data.END.astimezone(zone).date(),
                                period_start=PERIOD.start, period_end=PERIOD.end, tz=TZ)


def kizuna_headlines(ov: Overview) -> dict[str, float]:
    c, e, j, r = ov.commerce, ov.engagement, ov.journey, ov.rfm
    assert c and e and j and r and ov.series and ov.retention and ov.churn_rate and ov.funnel
    assert ov.engagement_scores and ov.involvement and ov.satisfaction
    out: dict[str, float] = {}
    for key in ("revenue", "orders", "aov", "active_customers", "new_customers",
                "returning_customers", "repeat_purchase_rate", "purchase_frequency",
                "inter_purchase_days_mean", "inter_purchase_days_median"):
        kpi = getattr(c, key)
        out[f"commerce.{key}"] = kpi.value
        out[f"commerce.{key} (previous)"] = kpi.previous
    out["series.revenue_sum"] = sum(p.revenue for p in ov.series.points)
    out["series.max_day"] = max(p.revenue for p in ov.series.points)
    for key in ("sessions", "pages_per_session", "email_open_rate", "email_click_rate",
                "click_to_open_rate", "newsletter_open_rate", "unsubscribe_rate",
                "social_engagement"):
        out[f"engagement.{key}"] = getattr(e, key).value
    s = ov.engagement_scores
    out["engagement_scores.active"], out["engagement_scores.mean"] = s.n, s.mean or 0.0
    out["engagement_scores.median"] = s.median or 0.0
    out["retention.cells"] = sum(x.count or 0 for co in ov.retention.cohorts for x in co.cells)
    out["retention.overall_k1"] = ov.retention.overall[1].share or 0.0
    out["churn_rate"] = ov.churn_rate.value
    for step in ov.funnel.steps:
        out[f"funnel.step{step.step}"] = step.people
    out["journey.people"] = j.people
    out["journey.no_stage"] = j.no_stage
    for st in j.funnel:
        out[f"journey.{st.stage.value}"] = st.current
    for m in j.journey_map:
        out[f"journey.map.{m.stage.value}.uses"] = m.uses
        out[f"journey.map.{m.stage.value}.people"] = m.people
    out["rfm.buyers"] = r.n
    for seg in r.segments:
        out[f"rfm.{seg.segment.value}"] = seg.customers
    for cat in ov.involvement.categories:
        out[f"involvement.{cat.category}.orders"] = cat.n
        out[f"involvement.{cat.category}.sessions"] = (cat.sessions.value or 0) * cat.sessions.n
        out[f"involvement.{cat.category}.views"] = (cat.views.value or 0) * cat.views.n
    score = ov.satisfaction.kinds["nps"].score
    out["satisfaction.nps"] = score.value if score else math.nan
    return {k: float(v) if v is not None else math.nan for k, v in out.items()}


def pandas_headlines(res: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    names = {"revenue": "revenue", "orders": "orders", "aov": "aov",
             "active_customers": "customers", "new_customers": "new",
             "returning_customers": "returning", "repeat_purchase_rate": "repeat_rate",
             "purchase_frequency": "frequency", "inter_purchase_days_mean": "gap_mean",
             "inter_purchase_days_median": "gap_median"}
    for key, ours in names.items():
        out[f"commerce.{key}"] = res["commerce"]["current"][ours]
        out[f"commerce.{key} (previous)"] = res["commerce"]["previous"][ours]
    out["series.revenue_sum"] = float(res["series"].sum())
    out["series.max_day"] = float(res["series"].max())
    out.update({f"engagement.{k}": v for k, v in res["engagement"].items()})
    es = res["engagement_scores"]
    out["engagement_scores.active"] = es["active"]
    out["engagement_scores.mean"], out["engagement_scores.median"] = es["mean"], es["median"]
    today = res["_today"]
    out["retention.cells"] = sum(
        v for (c, k), v in res["retention"]["matrix"].items() if k == 0 or c + k + 1 <= today)
    out["retention.overall_k1"] = res["retention"]["overall_k1"]
    out["churn_rate"] = res["churn_rate"]
    for i, n in enumerate(res["funnel"]):
        out[f"funnel.step{i + 1}"] = n
    j = res["journey"]
    out["journey.people"], out["journey.no_stage"] = j["people"], j["counts"][0]
    for rank, name in enumerate(("awareness", "consideration", "purchase", "retention",
                                 "advocacy"), start=1):
        out[f"journey.{name}"] = j["counts"][rank]
        out[f"journey.map.{name}.uses"] = j["uses"].get(rank, 0)
        out[f"journey.map.{name}.people"] = j["stage_people"].get(rank, 0)
    out["rfm.buyers"] = res["rfm"]["n"]
    for seg, n in res["rfm"]["segments"].items():
        out[f"rfm.{seg}"] = n
    for cat, row in res["involvement"].iterrows():
        out[f"involvement.{cat}.orders"] = row["orders"]
        out[f"involvement.{cat}.sessions"] = row["sessions"]
        out[f"involvement.{cat}.views"] = row["views"]
    out["satisfaction.nps"] = res["nps"]
    return {k: float(v) if v is not None else math.nan for k, v in out.items()}


#: RFM segment counts may differ by a few customers: the monetary value is a floating-point
#: sum of order totals, and DuckDB and pandas add a customer's orders in different orders, so
#: two spends equal to the cent can differ in the last bit in one engine and tie in the other
#: (and fall on different sides of a quintile edge). 1e-4 relative is ~10 of 100,000.
RFM_RTOL = 1e-4


def compare(ours: dict[str, float], theirs: dict[str, float], rtol: float = 1e-6) -> list[str]:
    bad = []
    for key in sorted(set(ours) | set(theirs)):
        a, b = ours.get(key, 0.0), theirs.get(key, 0.0)  # a missing segment has 0 customers
        tol = RFM_RTOL if key.startswith("rfm.") else rtol
        same = (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol * max(abs(a), abs(b), 1e-12)
        if not same:
            bad.append(f"  MISMATCH {key}: kizuna {a!r} pandas {b!r}")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=20_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pandas-runs", type=int, default=None)
    ap.add_argument("--quick", action="store_true", help="100,000 customers / 2,000,000 events")
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.customers, args.events = 100_000, 2_000_000
    print(f"{args.customers:,} customers / {args.events:,} events, period {PERIOD.label()} "
          f"({TZ}); load average {os.getloadavg()[0]:.2f}", flush=True)
    t = time.perf_counter()
    tmp = tempfile.TemporaryDirectory(prefix="kizuna-bench-")
    path = Path(tmp.name) / "tables.duckdb"
    source = duckdb.connect(str(path), config={"threads": 2})
    source.execute("SET TimeZone = 'UTC'")
    metrics_data.fill(source, customers=args.customers, events=args.events)
    source.close()
    print(f"generated in {time.perf_counter() - t:.1f} s", flush=True)

    totals: list[float] = []
    sessions: list[float] = []
    per: dict[str, list[float]] = {name: [] for name in SECTIONS}
    overview = None
    for i in range(args.runs):
        gc.collect()
        sess, total, overview = kizuna_run(path)
        totals.append(total)
        sessions.append(sess)
        for name in SECTIONS:
            per[name].append(overview.seconds.get(name, math.nan))
        if overview.notes:
            print("  notes:", overview.notes)
        print(f"kizuna run {i + 1}: {total:.2f} s (sessions {sess:.2f} s; load "
              f"{os.getloadavg()[0]:.2f})", flush=True)
    assert overview is not None
    k_total = statistics.median(totals)
    print("\n| section | kizuna median s |\n|---|---:|")
    print(f"| sessions (open_snapshot) | {statistics.median(sessions):.2f} |")
    for name in SECTIONS:
        print(f"| {name} | {statistics.median(per[name]):.2f} |")
    print(f"| **total** | **{k_total:.2f}** |", flush=True)
    if args.skip_pandas:
        return

    t = time.perf_counter()
    source = duckdb.connect(str(path), read_only=True)
    source.execute("SET TimeZone = 'UTC'")
    tables = pandas_metrics.export(source)
    source.close()
    print(f"\nexported to pandas in {time.perf_counter() - t:.1f} s (not timed)", flush=True)
    s = spans()
    runs = args.pandas_runs or (args.runs if args.events <= 2_000_000 else 1)
    p_times, res = [], None
    for i in range(runs):
        gc.collect()
        t = time.perf_counter()
        res = pandas_metrics.compute(tables, s)
        p_times.append(time.perf_counter() - t)
        print(f"pandas run {i + 1}: {p_times[-1]:.2f} s (load {os.getloadavg()[0]:.2f})",
              flush=True)
    assert res is not None
    res["_today"] = s.today.year * 12 + s.today.month
    p_total = statistics.median(p_times)
    ours, theirs = kizuna_headlines(overview), pandas_headlines(res)
    print("\nheadline figures (kizuna | pandas):")
    for key in ("commerce.revenue", "commerce.aov", "commerce.active_customers",
                "commerce.inter_purchase_days_median", "engagement.sessions",
                "engagement.email_open_rate", "engagement_scores.mean", "retention.overall_k1",
                "churn_rate", "funnel.step4", "journey.advocacy", "rfm.Champions",
                "satisfaction.nps"):
        print(f"  {key:40} {ours.get(key)!r:>24} | {theirs.get(key)!r}")
    customers_same = res["journey"]["customers"] == {
        k: (v.rank if v is not None else 0) for k, v in overview.journey.stage_of_customer.items()
    } if overview.journey else False
    bad = compare(ours, theirs)
    print(f"{len(ours)} figures compared: {'all agree' if not bad else f'{len(bad)} differ'}"
          f"; journey stage of every customer {'agrees' if customers_same else 'DIFFERS'}")
    print("\n".join(bad))
    print(f"\nkizuna {k_total:.2f} s (median of {args.runs}), pandas {p_total:.2f} s "
          f"(median of {runs}): pandas / kizuna = {p_total / k_total:.1f}x")
    if bad or not customers_same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
