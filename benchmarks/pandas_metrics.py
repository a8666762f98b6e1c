"""A straightforward pandas implementation of kizuna's KPI sections (the benchmark reference).

``export(con)`` reads the base analytic tables into DataFrames (only the columns the metrics
use; low-cardinality text as ``category``); ``compute(tables, ...)`` computes, from those
DataFrames alone, the same figures as ``kizuna.metrics.report.build_overview`` for the KPI
sections, following docs/reference/metrics/*.md: sessions are rebuilt from the page views
(30-minute gaps) here too, and the journey milestones, RFM scores etc. are computed with
ordinary pandas operations (groupby, merge, merge_asof, rank), no per-row Python loops.
``headlines(result)`` returns the figures the benchmark compares with kizuna's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from kizuna.metrics.rfm import SEGMENT_GRID, RfmSegment

SOCIAL = ("Social Post Liked", "Social Post Shared", "Social Post Commented",
          "Social Post Mentioned")
CONSIDER = ("Product Viewed", "Products Searched", "Product Added", "Cart Viewed",
            "Checkout Started", "Email Link Clicked")
ADVOCATE = ("Review Submitted", "Referral Sent", "Referral Completed", "Social Post Shared",
            "Social Post Commented", "Social Post Mentioned")
MAIL = ("Email Delivered", "Email Opened", "Email Link Clicked", "Email Unsubscribed")
FUNNEL = ("Product Viewed", "Product Added", "Checkout Started")  # then a counted order
WEIGHTS = {"sessions": 0.15, "product_views": 0.15, "email_opens": 0.10, "email_clicks": 0.15,
           "social": 0.10, "orders": 0.20, "recency": 0.15}
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def export(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The base tables as DataFrames (not timed by the benchmark)."""
    out = {
        "customers": con.execute("SELECT customer_id FROM customers").df(),
        "orders": con.execute(
            "SELECT order_id, customer_id, placed_at, placed_local, total, counted FROM orders"
        ).df(),
        "order_items": con.execute("SELECT order_id, category FROM order_items").df(),
        "events": con.execute(
            "SELECT event_id, customer_id, who, type, event, ts, ts_local, session_hint, "
            "category, campaign_id, reach, score, survey_kind FROM events"
        ).df(),
    }
    ev = out["events"]
    for col in ("who", "type", "event", "category", "campaign_id", "survey_kind",
                "session_hint"):
        ev[col] = ev[col].astype("category")
    out["order_items"]["category"] = out["order_items"]["category"].astype("category")
    return out


@dataclass
class Spans:
    prev_lo: datetime
    lo: datetime
    hi: datetime
    as_of: datetime
    today: date  # local date of as_of
    period_start: date
    period_end: date
    tz: str


def _days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 86400.0


# --- commerce ------------------------------------------------------------------------------


def commerce(orders: pd.DataFrame, s: Spans) -> dict[str, Any]:
    o = orders[orders["counted"]].sort_values(["customer_id", "placed_at", "order_id"])
    by_customer = o.groupby("customer_id")["placed_at"]
    o = o.assign(prev_at=by_customer.shift(), first_at=by_customer.transform("min"))
    w = o[(o["placed_at"] >= s.prev_lo) & (o["placed_at"] < s.hi)].copy()
    w["per"] = np.where(w["placed_at"] >= s.lo, "current", "previous")
    w["gap"] = _days(w["placed_at"] - w["prev_at"])
    out: dict[str, Any] = {}
    for per, g in w.groupby("per"):
        pc = g.groupby("customer_id").agg(n=("order_id", "size"), first=("placed_at", "min"),
                                          first_at=("first_at", "min"))
        gaps = g["gap"].dropna()
        out[str(per)] = {
            "revenue": float(g["total"].sum()), "orders": len(g),
            "aov": float(g["total"].mean()), "customers": len(pc),
            "new": int((pc["first"] == pc["first_at"]).sum()),
            "returning": int((pc["first"] != pc["first_at"]).sum()),
            "repeat_rate": float((pc["n"] >= 2).mean()),
            "frequency": float(pc["n"].mean()),
            "gap_mean": float(gaps.mean()) if len(gaps) else None,
            "gap_median": float(gaps.median()) if len(gaps) else None,
        }
    return out


def series(orders: pd.DataFrame, s: Spans) -> pd.Series:
    o = orders[orders["counted"] & (orders["placed_at"] >= s.lo) & (orders["placed_at"] < s.hi)]
    days = pd.date_range(s.period_start, s.period_end, freq="D")
    return o.groupby(o["placed_local"].dt.normalize())["total"].sum().reindex(days, fill_value=0.0)


# --- engagement ----------------------------------------------------------------------------


def sessions(events: pd.DataFrame) -> pd.DataFrame:
    """Page/screen views → sessions (new one after a gap over 30 minutes or a hint change)."""
    pv = events.loc[events["type"].isin(["page", "screen"]),
                    ["event_id", "who", "customer_id", "ts", "session_hint"]]
    pv = pv.sort_values(["who", "ts", "event_id"])
    who = pv["who"].cat.codes.to_numpy()
    ts = pv["ts"].to_numpy()
    hint = pv["session_hint"].cat.codes.to_numpy()  # NULL = -1: equal NULLs are no change
    new_who = np.r_[True, who[1:] != who[:-1]]
    gap = np.r_[True, (ts[1:] - ts[:-1]) > np.timedelta64(30, "m")]
    changed = np.r_[True, hint[1:] != hint[:-1]]
    sid = np.cumsum(new_who | gap | changed)
    return pv.assign(sid=sid).groupby("sid").agg(
        customer_id=("customer_id", "first"), started_at=("ts", "min"), pages=("ts", "size"))


def engagement(events: pd.DataFrame, sess: pd.DataFrame, s: Spans) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cur_s = sess[(sess["started_at"] >= s.lo) & (sess["started_at"] < s.hi)]
    out["sessions"] = len(cur_s)
    out["pages_per_session"] = float(cur_s["pages"].mean())
    mail = events.loc[events["event"].isin(MAIL) & (events["ts"] < s.as_of),
                      ["campaign_id", "who", "event", "ts"]]
    mail = mail.assign(event=mail["event"].astype(str), who=mail["who"].astype(str),
                       campaign_id=mail["campaign_id"].astype(object))
    named = mail[mail["campaign_id"].notna()]
    delivered = (named[named["event"] == "Email Delivered"]
                 .groupby(["campaign_id", "who"], as_index=False)["ts"].min()
                 .rename(columns={"ts": "delivered_at"}))
    acts = named[named["event"] != "Email Delivered"]
    acted = acts.assign(
        opened=acts["event"].isin(["Email Opened", "Email Link Clicked"]),
        clicked=acts["event"] == "Email Link Clicked",
        unsubscribed=acts["event"] == "Email Unsubscribed",
    ).groupby(["campaign_id", "who"], as_index=False)[["opened", "clicked", "unsubscribed"]].max()
    # An unsubscribe without a campaign goes to the person's last delivery at or before it.
    loose = mail[(mail["event"] == "Email Unsubscribed") & mail["campaign_id"].isna()]
    pairs = delivered.merge(acted, on=["campaign_id", "who"], how="left")
    if len(loose):
        d = delivered.sort_values(["delivered_at", "campaign_id"])
        hit = pd.merge_asof(loose[["who", "ts"]].sort_values("ts"), d, left_on="ts",
                            right_on="delivered_at", by="who", direction="backward")
        hit = hit.dropna(subset=["campaign_id"])[["campaign_id", "who"]].drop_duplicates()
        pairs = pairs.merge(hit.assign(loose=True), on=["campaign_id", "who"], how="left")
    else:
        pairs["loose"] = False
    for col in ("opened", "clicked", "unsubscribed", "loose"):
        pairs[col] = pairs[col].astype("boolean").fillna(False).astype(bool)
    pairs["unsubscribed"] |= pairs["loose"]
    cur = pairs[(pairs["delivered_at"] >= s.lo) & (pairs["delivered_at"] < s.hi)]
    n, opened = len(cur), int(cur["opened"].sum())
    out["email_open_rate"] = opened / n
    out["email_click_rate"] = int(cur["clicked"].sum()) / n
    out["click_to_open_rate"] = int(cur["clicked"].sum()) / opened
    out["unsubscribe_rate"] = int(cur["unsubscribed"].sum()) / n
    letters = cur[cur["campaign_id"].str.startswith("nl-")]
    out["newsletter_open_rate"] = float(letters["opened"].mean())
    soc = events[events["event"].isin(SOCIAL) & (events["ts"] >= s.lo) & (events["ts"] < s.hi)]
    reached = soc[soc["reach"] > 0]  # every action is its own post (no post id yet)
    out["social_engagement"] = len(reached) / float(reached["reach"].sum())
    return out


def engagement_scores(events: pd.DataFrame, sess: pd.DataFrame, orders: pd.DataFrame,
                      customers: pd.DataFrame, s: Spans) -> dict[str, Any]:
    lo = s.as_of - timedelta(days=90)
    ev = events[events["customer_id"].notna() & (events["ts"] >= lo) & (events["ts"] < s.as_of)
                & (events["event"].astype(str) != "Email Delivered")]
    ev = ev[["event_id", "customer_id", "event", "campaign_id", "ts"]]
    g = ev.groupby("customer_id")
    sig = pd.DataFrame({"product_views": ev["event"].eq("Product Viewed")
                        .groupby(ev["customer_id"]).sum(),
                        "social": ev["event"].isin(SOCIAL).groupby(ev["customer_id"]).sum(),
                        "last_at": g["ts"].max()})
    for col, name in (("email_opens", "Email Opened"), ("email_clicks", "Email Link Clicked")):
        m = ev[ev["event"] == name]
        key = m["campaign_id"].astype(object).where(m["campaign_id"].notna(),
                                                    m["event_id"].astype(str))
        sig[col] = key.groupby(m["customer_id"]).nunique()
    ss = sess[sess["customer_id"].notna() & (sess["started_at"] >= lo)
              & (sess["started_at"] < s.as_of)].groupby("customer_id")["started_at"]
    oo = orders[orders["counted"] & orders["customer_id"].notna() & (orders["placed_at"] >= lo)
                & (orders["placed_at"] < s.as_of)].groupby("customer_id")["placed_at"]
    act = sig.join(pd.DataFrame({"sessions": ss.size(), "s_last": ss.max()}), how="outer")
    act = act.join(pd.DataFrame({"orders": oo.size(), "o_last": oo.max()}), how="outer")
    act["last_at"] = act[["last_at", "s_last", "o_last"]].max(axis=1)
    total = sum(WEIGHTS.values())
    score = np.zeros(len(act))
    for name, weight in WEIGHTS.items():
        if name == "recency":
            p = act["last_at"].rank(method="max") / len(act)
        else:
            v = act[name].fillna(0)
            p = (v.rank(method="max") / len(act)).where(v > 0, 0.0)
        score += weight * p.to_numpy()
    act["score"] = 100.0 * score / total
    active = act["score"][act.index.isin(customers["customer_id"])]
    return {"active": len(active), "mean": float(active.mean()),
            "median": float(active.median())}


# --- retention -----------------------------------------------------------------------------


def _months(d: pd.Series) -> pd.Series:
    return d.dt.year * 12 + d.dt.month


def retention(orders: pd.DataFrame, s: Spans, periods: int = 12) -> dict[str, Any]:
    o = orders[orders["counted"] & orders["customer_id"].notna() & (orders["placed_at"] <= s.as_of)]
    month = _months(o["placed_local"])
    first = month.groupby(o["customer_id"]).transform("min")
    cells = pd.DataFrame({"customer_id": o["customer_id"], "cohort": first,
                          "k": month - first}).drop_duplicates()
    cells = cells[cells["k"] <= periods]
    matrix = cells.groupby(["cohort", "k"]).size()
    today = s.today.year * 12 + s.today.month
    sizes = matrix.xs(0, level="k")
    pooled = {}
    for k in range(periods + 1):
        # cell k of a cohort is observable once the cohort's month k + 1 has begun
        ok = sizes.index[sizes.index + k + 1 <= today] if k else sizes.index
        got = matrix.reindex([(c, k) for c in ok], fill_value=0).sum()
        pooled[k] = got / sizes.loc[ok].sum() if len(ok) else None
    return {"matrix": {(int(c), int(k)): int(v) for (c, k), v in matrix.items()},
            "overall_k1": pooled[1]}


def churn(orders: pd.DataFrame, s: Spans, inactive_days: int = 90) -> float:
    o = orders[orders["counted"] & orders["customer_id"].notna() & (orders["placed_at"] <= s.as_of)]
    last = o.groupby("customer_id")["placed_at"].max()
    return float((last < s.as_of - timedelta(days=inactive_days)).mean())


# --- funnel --------------------------------------------------------------------------------


def funnel(events: pd.DataFrame, orders: pd.DataFrame, s: Spans, window_days: int = 7) -> list[int]:
    ev = events[events["event"].isin(FUNNEL) & (events["ts"] >= s.lo) & (events["ts"] < s.hi)
                & events["who"].notna()]
    step_of = {name: i + 1 for i, name in enumerate(FUNNEL)}
    occ = pd.DataFrame({"who": ev["who"].astype(str).to_numpy(), "ts": ev["ts"].to_numpy(),
                        "step": ev["event"].astype(str).map(step_of).to_numpy()})
    o = orders[orders["counted"] & orders["customer_id"].notna() & (orders["placed_at"] >= s.lo)
               & (orders["placed_at"] < s.hi)]
    occ = pd.concat([occ, pd.DataFrame({"who": o["customer_id"].astype("int64").astype(str),
                                        "ts": o["placed_at"], "step": len(FUNNEL) + 1})])
    reached = occ[occ["step"] == 1][["who", "ts"]]
    people = [reached["who"].nunique()]
    window = pd.Timedelta(days=window_days)
    for step in range(2, len(FUNNEL) + 2):
        cand = occ[occ["step"] == step][["who", "ts"]].sort_values("ts")
        prev = reached.rename(columns={"ts": "prev_ts"}).sort_values("prev_ts")
        hit = pd.merge_asof(cand, prev, left_on="ts", right_on="prev_ts", by="who",
                            direction="backward", allow_exact_matches=True)
        ok = hit["prev_ts"].notna() & (hit["ts"] - hit["prev_ts"] <= window)
        reached = hit.loc[ok, ["who", "ts"]]
        people.append(reached["who"].nunique())
    return people


# --- journey -------------------------------------------------------------------------------


def _stage(m: dict[str, np.ndarray], at: Any, strict: bool = True) -> np.ndarray:
    def before(col: str) -> np.ndarray:
        v = m[col]
        return (v < at) if strict else (v <= at)  # NaT compares False
    return np.select([before("advocated_at"), before("retained_at"), before("purchased_at"),
                      before("considering_at"), before("aware_at")], [5, 4, 3, 2, 1], 0)


def journey(events: pd.DataFrame, orders: pd.DataFrame, customers: pd.DataFrame,
            s: Spans, top: int = 10) -> dict[str, Any]:
    ev = events[events["ts"] < s.as_of]
    code = ev["who"].cat.codes.to_numpy()
    ts = ev["ts"]
    evname = ev["event"].astype(str)
    nat = pd.Series(pd.NaT, index=ev.index, dtype="datetime64[ns]")
    frame = pd.DataFrame({
        "code": code, "customer_id": ev["customer_id"],
        "aware_at": ts.where(evname != "Email Delivered", nat),
        "considering_at": ts.where(evname.isin(CONSIDER), nat),
        "advocated_at": ts.where(evname.isin(ADVOCATE) | ((evname == "Survey Responded")
                                 & (ev["survey_kind"] == "nps") & (ev["score"] >= 9)), nat),
    })
    ms = frame.groupby("code").agg(customer_id=("customer_id", "max"), aware_at=("aware_at", "min"),
                                   considering_at=("considering_at", "min"),
                                   advocated_at=("advocated_at", "min"))
    ms["who"] = ev["who"].cat.categories[ms.index]
    cust = pd.DataFrame({"who": customers["customer_id"].astype(str),
                         "cid": customers["customer_id"]})
    people = ms.reset_index().merge(cust, on="who", how="outer")
    people["customer_id"] = people["cid"].fillna(people["customer_id"])
    o = orders[orders["counted"] & orders["customer_id"].notna() & (orders["placed_at"] < s.as_of)]
    o = o.sort_values(["customer_id", "placed_at", "order_id"])
    nth = o.groupby("customer_id").cumcount()
    bought = pd.DataFrame({
        "purchased_at": o[nth == 0].set_index("customer_id")["placed_at"],
        "retained_at": o[nth == 1].set_index("customer_id")["placed_at"]})
    bought["bwho"] = bought.index.astype("int64").astype(str)
    people = people.merge(bought, left_on="customer_id", right_index=True, how="left")
    own = people["bwho"] == people["who"]
    people.loc[~own, ["purchased_at", "retained_at"]] = pd.NaT
    cols = ("aware_at", "considering_at", "purchased_at", "retained_at", "advocated_at")
    m = {c: people[c].to_numpy() for c in cols}
    stage = _stage(m, np.datetime64(s.as_of))
    counts = np.bincount(stage, minlength=6)
    is_cust = people["customer_id"].notna().to_numpy()
    stage_of_customer = dict(zip(people["customer_id"][is_cust].astype("int64"),
                                 stage[is_cust], strict=True))
    # transitions (end of the local day 30 days ago vs as_of) and month-end counts are cheap
    # vector comparisons of the same milestones; the journey map needs every event's stage.
    # map event -> person row (people rows of event persons carry their category code)
    row_of_code = np.full(len(ev["who"].cat.categories), -1)
    has_code = people["code"].notna().to_numpy()
    row_of_code[people["code"][has_code].astype("int64")] = np.flatnonzero(has_code)
    rows = row_of_code[code]
    ev_m = {c: m[c][rows] for c in cols}
    tsv = ts.to_numpy()
    ev_stage = _stage(ev_m, tsv, strict=False)
    tp = np.where(ev["type"].astype(str) == "page", "page view",
                  np.where(ev["type"].astype(str) == "screen", "screen view",
                           evname.where(evname != "nan", ev["type"].astype(str))))
    staged = pd.DataFrame({"who": code, "stage": ev_stage, "tp": tp})
    staged = staged[staged["stage"] > 0]
    per_person = staged.groupby(["who", "stage", "tp"], observed=True).size()
    per_tp = per_person.groupby(level=["stage", "tp"]).agg(["sum", "size"])
    per_stage = per_person.groupby(level="stage").sum()
    people_stage = per_person.reset_index().groupby("stage")["who"].nunique()
    tops = {int(st): g.reset_index().sort_values(["sum", "tp"], ascending=[False, True])
            .head(top)["tp"].tolist() for st, g in per_tp.groupby(level="stage")}
    # satisfaction per stage: the stage just before the answer (strictly before), >= awareness
    sv = ev["event"].eq("Survey Responded") & ev["survey_kind"].isin(list(SCALES))
    sv_stage = np.maximum(_stage({c: v[sv.to_numpy()] for c, v in ev_m.items()},
                                 tsv[sv.to_numpy()]), 1)
    nps_answers = pd.DataFrame({"stage": sv_stage, "kind": ev["survey_kind"][sv].astype(str),
                                "score": ev["score"][sv]}).groupby(["stage", "kind"]).size()
    return {"people": len(people), "counts": counts.tolist(),
            "customers": stage_of_customer, "uses": per_stage.to_dict(),
            "stage_people": people_stage.to_dict(), "top": tops,
            "answers": int(nps_answers.sum())}


# --- RFM, involvement, satisfaction --------------------------------------------------------


def rfm(orders: pd.DataFrame, s: Spans) -> dict[str, Any]:
    o = orders[orders["counted"] & orders["customer_id"].notna() & (orders["placed_at"] < s.as_of)]
    b = o.groupby("customer_id").agg(last=("placed_local", "max"), frequency=("order_id", "size"),
                                     monetary=("total", "sum"))
    recency = (pd.Timestamp(s.today) - b["last"].dt.normalize()).dt.days
    n = len(b)

    def score(beaten: pd.Series) -> np.ndarray:
        return 1 + np.floor(5.0 * (beaten.to_numpy() - 1) / n).astype(int)

    r = score(recency.rank(method="min", ascending=False))
    f = score(b["frequency"].rank(method="min"))
    mm = score(b["monetary"].rank(method="min"))
    names = list(RfmSegment)
    lookup = np.array([[names.index(x) for x in row] for row in SEGMENT_GRID])
    seg = pd.Series(np.array(names, dtype=object)[lookup[r - 1, (f + mm + 1) // 2 - 1]],
                    index=b.index)
    return {"n": n, "segments": seg.value_counts().to_dict(),
            "grid": np.histogram2d(r, f, bins=[np.arange(.5, 6), np.arange(.5, 6)])[0]}


def involvement(orders: pd.DataFrame, items: pd.DataFrame, events: pd.DataFrame,
                sess: pd.DataFrame, s: Spans, lookback_days: int = 30) -> pd.DataFrame:
    look = pd.Timedelta(days=lookback_days)
    o = orders.loc[orders["counted"] & orders["customer_id"].notna()
                   & (orders["placed_at"] <= s.as_of), ["order_id", "customer_id", "placed_at"]]
    cat = items["category"].astype(str).replace({"": "uncategorised", "None": "uncategorised"})
    oc = o.merge(pd.DataFrame({"order_id": items["order_id"], "category": cat}).drop_duplicates(),
                 on="order_id")

    def count_before(left: pd.DataFrame, right: pd.DataFrame, by: list[str], at: str,
                     rt: str) -> pd.Series:
        """Per left row: right rows of the same ``by`` with rt < left[at] (cumulative count)."""
        right = right.sort_values([*by, rt])
        right = right.assign(cum=right.groupby(by).cumcount() + 1).sort_values(rt)
        hit = pd.merge_asof(left.reset_index().sort_values(at), right[[*by, rt, "cum"]],
                            left_on=at, right_on=rt, by=by, direction="backward",
                            allow_exact_matches=False)
        return hit.set_index("index")["cum"].reindex(left.index).fillna(0)

    ss = sess.loc[sess["customer_id"].notna(), ["customer_id", "started_at"]]
    oo = o.assign(start=o["placed_at"] - look).reset_index(drop=True)
    n_sess = (count_before(oo, ss, ["customer_id"], "placed_at", "started_at")
              - count_before(oo, ss, ["customer_id"], "start", "started_at"))
    oo["sessions"] = n_sess
    pv = events.loc[(events["event"] == "Product Viewed") & events["customer_id"].notna(),
                    ["customer_id", "category", "ts"]]
    pv = pv.assign(category=pv["category"].astype(str))
    oc = oc.assign(start=oc["placed_at"] - look).reset_index(drop=True)
    by = ["customer_id", "category"]
    oc["views"] = (count_before(oc, pv, by, "placed_at", "ts")
                   - count_before(oc, pv, by, "start", "ts"))
    first = pd.merge_asof(oc.reset_index().sort_values("start"),
                          pv.sort_values("ts").rename(columns={"ts": "first_view"}),
                          left_on="start", right_on="first_view", by=by, direction="forward")
    oc["first_view"] = first.set_index("index")["first_view"].reindex(oc.index)
    oc["days"] = _days(oc["placed_at"] - oc["first_view"]).where(oc["views"] > 0)
    oc = oc.merge(oo[["order_id", "sessions"]], on="order_id")
    return oc.groupby("category").agg(orders=("order_id", "size"), sessions=("sessions", "sum"),
                                      views=("views", "sum"), days=("days", "sum"))


def nps(events: pd.DataFrame, s: Spans) -> float:
    e = events[(events["type"] == "track") & (events["event"] == "Survey Responded")
               & (events["survey_kind"] == "nps") & (events["ts"] >= s.lo)
               & (events["ts"] < min(s.hi, s.as_of))]
    sc = e["score"].dropna()
    sc = sc[np.isfinite(sc) & (sc == np.floor(sc)) & (sc >= 0) & (sc <= 10)]
    return float(100.0 * ((sc >= 9).mean() - (sc <= 6).mean()))


def compute(t: dict[str, pd.DataFrame], s: Spans) -> dict[str, Any]:
    """Every KPI section from the DataFrames (the benchmark times this call)."""
    ev, orders = t["events"], t["orders"]
    sess = sessions(ev)
    return {
        "commerce": commerce(orders, s), "series": series(orders, s),
        "engagement": engagement(ev, sess, s),
        "engagement_scores": engagement_scores(ev, sess, orders, t["customers"], s),
        "retention": retention(orders, s), "churn_rate": churn(orders, s),
        "funnel": funnel(ev, orders, s), "journey": journey(ev, orders, t["customers"], s),
        "rfm": rfm(orders, s), "involvement": involvement(orders, t["order_items"], ev, sess, s),
        "nps": nps(ev, s),
    }
