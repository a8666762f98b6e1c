"""The programme report: members vs non-members, points liability, redemption rate.

Definitions (docs/reference/loyalty-reports.md says the same, with the caveats):

* The window is ``[now - window_days, now)``; an order counts when it is not cancelled, names
  a customer and has a positive total (returns lower revenue elsewhere, they are not orders).
* **Members** are customers with an active membership now; only the orders they placed *while
  a member* (on or after ``joined_at``) count. **Non-members** are ordering customers who
  never enrolled. Former members (left) are in neither group, and are counted apart.
* AOV = revenue / orders; purchase frequency = orders / ordering customers; retention = the
  share of the group's customers who ordered in the first half of the window and ordered again
  in the second half; historical CLV = revenue per ordering customer in the window;
  predicted CLV = the mean predicted 12-month CLV (BG/NBD + Gamma-Gamma from the predict
  domain, fitted on every order up to ``now``) of the group's customers.
* Each comparison is members' value / non-members' value - 1, with a 95 % percentile bootstrap
  interval that resamples *customers* within each group (orders of one customer are not
  independent), 2,000 resamples, fixed seed: the same data always gives the same interval.
  Below 30 customers on either side the figure says "not enough data" (``enough = False``).
* Members choose to join: the difference is an association, not the programme's effect.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.commerce import api as commerce
from kizuna.errors import KizunaError
from kizuna.loyalty import store
from kizuna.loyalty.ledger import replay
from kizuna.loyalty.tables import LoyaltyEntryRow, LoyaltyMemberRow, LoyaltyProgramRow
from kizuna.predict import api as predict
from kizuna.types import CustomerId, WorkspaceId

MIN_CUSTOMERS = 30
RESAMPLES = 2000
SEED = 20_260_601
_CHUNK = 200
EARNING_KINDS = ("earn", "bonus")
EXPIRING_WINDOW = timedelta(days=30)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupComparison:
    """One figure for members and non-members, and members' relative difference."""

    metric: str  # aov | frequency | retention | clv | predicted_clv
    members: float | None
    non_members: float | None
    n_members: int  # customers behind the figure on each side
    n_non_members: int
    relative: float | None  # members / non-members - 1 (0.2 = members +20 %)
    low: float | None  # 95 % interval of ``relative``
    high: float | None
    enough: bool  # False: fewer than 30 customers on a side ("not enough data")


@dataclass(frozen=True, slots=True, kw_only=True)
class LoyaltyReport:
    window_start: datetime
    window_end: datetime
    window_days: int
    programme: bool  # False: no programme configured (only the comparison can say anything)
    currency: str | None
    comparisons: tuple[GroupComparison, ...]
    member_customers: int  # ordering members in the window
    non_member_customers: int
    former_member_customers: int  # left the programme: in neither group
    member_orders: int
    non_member_orders: int
    member_orders_before_joining: int  # members' orders in the window before they joined
    active_members: int
    members_by_tier: tuple[tuple[str | None, int], ...]
    outstanding_points: int
    point_value: Decimal | None
    liability: Decimal | None  # outstanding points x point value, in ``currency``
    points_earned: int  # in the window (earn + bonus entries)
    points_redeemed: int  # in the window (redeem entries, as a positive number)
    redemption_rate: float | None  # redeemed / earned
    expiring_points: int  # spendable points whose lots expire in the next 30 days
    method: str = "percentile bootstrap over customers, 2,000 resamples, seed fixed"

    def comparison(self, metric: str) -> GroupComparison:
        return next(c for c in self.comparisons if c.metric == metric)


@dataclass(slots=True)
class _Customer:
    orders: int = 0
    revenue: float = 0.0
    first_half: bool = False
    second_half: bool = False


def _memberships(
    session: Session, workspace_id: WorkspaceId
) -> tuple[dict[CustomerId, datetime], set[CustomerId], list[tuple[str | None, CustomerId]]]:
    """Active members (earliest join of an active row: merges can leave several), customers
    who ever enrolled, and (tier, customer) of the active rows."""
    active: dict[CustomerId, datetime] = {}
    ever: set[CustomerId] = set()
    tiers: dict[CustomerId, str | None] = {}
    rows = session.execute(
        select(LoyaltyMemberRow.customer_id, LoyaltyMemberRow.status,
               LoyaltyMemberRow.joined_at, LoyaltyMemberRow.tier)
        .where(LoyaltyMemberRow.workspace_id == workspace_id)
    )
    for cid_raw, status, joined, tier in rows:
        cid = CustomerId(cid_raw)
        ever.add(cid)
        if status == "active":
            if cid not in active or joined < active[cid]:
                active[cid] = joined
            tiers.setdefault(cid, tier)
    return active, ever, [(tier, cid) for cid, tier in tiers.items()]


def _groups(
    orders: Sequence[tuple[CustomerId, datetime, Decimal]],
    active: dict[CustomerId, datetime],
    ever: set[CustomerId],
    middle: datetime,
) -> tuple[dict[CustomerId, _Customer], dict[CustomerId, _Customer], set[CustomerId], int]:
    members: dict[CustomerId, _Customer] = defaultdict(_Customer)
    others: dict[CustomerId, _Customer] = defaultdict(_Customer)
    former: set[CustomerId] = set()
    before_joining = 0
    for cid, placed, total in orders:
        if total <= 0:
            continue
        if cid in active:
            if placed < active[cid]:
                before_joining += 1
                continue
            group = members
        elif cid in ever:
            former.add(cid)
            continue
        else:
            group = others
        c = group[cid]
        c.orders += 1
        c.revenue += float(total)
        if placed < middle:
            c.first_half = True
        else:
            c.second_half = True
    return dict(members), dict(others), former, before_joining


def _arrays(group: dict[CustomerId, _Customer],
            predicted: dict[CustomerId, float] | None = None) -> np.ndarray:
    """Per customer: revenue, orders, ordered in the first half, and then again in the
    second; with ``predicted``, a fifth column: the predicted 12-month CLV."""
    out = np.zeros((len(group), 5 if predicted is not None else 4), dtype=np.float64)
    for i, (cid, c) in enumerate(group.items()):
        row: tuple[float, ...] = (c.revenue, c.orders, c.first_half,
                                  c.first_half and c.second_half)
        if predicted is not None:
            row += (predicted.get(cid, float("nan")),)
        out[i] = row
    return out


def predicted_clv(
    orders: Sequence[tuple[CustomerId, datetime, Decimal]], now: datetime, *, months: int = 12
) -> dict[CustomerId, float] | None:
    """Predicted CLV per customer over ``months`` (BG/NBD for purchases, Gamma-Gamma for
    spend, 1 % a month discount: the predict domain's models, weekly units), fitted on every
    order up to ``now``; None when the models cannot be fitted (too little data)."""
    rows = [(str(cid), placed.date(), float(total)) for cid, placed, total in orders
            if total > 0]
    if not rows:
        return None
    try:
        summary = predict.summary_from_transactions(rows, now.date(), freq="W")
        x, t_x, t = summary.frequency, summary.recency, summary.T
        z = summary.monetary_value
        if z is None:
            return None
        repeat = (x > 0) & (z > 0)
        if int(repeat.sum()) < MIN_CUSTOMERS:
            return None
        purchases = predict.BetaGeoFitter().fit(x, t_x, t)
        spend_model = predict.GammaGammaFitter().fit(x[repeat], z[repeat])
        if spend_model.params_ is None or spend_model.params_["q"] <= 1:
            return None
        spend = spend_model.conditional_expected_average_profit(x, np.where(z > 0, z, 0.0))
        clv = predict.customer_lifetime_value(purchases, x, t_x, t, spend, months=months,
                                              discount_rate=0.01, freq="W")
    except KizunaError:
        return None
    values = {CustomerId(int(cid)): float(v) for cid, v in zip(summary.customer_ids, clv,
                                                               strict=True)}
    return values if all(np.isfinite(v) for v in values.values()) else None


def _figures(sums: np.ndarray, n: np.ndarray | int) -> dict[str, np.ndarray]:
    """The figures from column sums (the last axis: revenue, orders, first, retained and, if
    present, predicted CLV)."""
    revenue, orders, first, retained = (sums[..., k] for k in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        figures = {
            "aov": revenue / orders,
            "frequency": orders / n,
            "retention": retained / first,
            "clv": revenue / n,
        }
        if sums.shape[-1] > 4:
            figures["predicted_clv"] = sums[..., 4] / n
        return figures


def _resampled_sums(data: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Column sums of RESAMPLES bootstrap samples of the rows (customers) of ``data``."""
    n = data.shape[0]
    out = np.empty((RESAMPLES, data.shape[1]))
    for start in range(0, RESAMPLES, _CHUNK):
        stop = min(RESAMPLES, start + _CHUNK)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=stop - start)
        out[start:stop] = counts @ data
    return out


def compare_groups(
    members: np.ndarray, others: np.ndarray, *, seed: int = SEED
) -> tuple[GroupComparison, ...]:
    """The four comparisons from per-customer rows (revenue, orders, first, retained)."""
    n_m, n_o = members.shape[0], others.shape[0]
    point_m = _figures(members.sum(axis=0), n_m) if n_m else {}
    point_o = _figures(others.sum(axis=0), n_o) if n_o else {}
    boot_m = boot_o = None
    if n_m >= MIN_CUSTOMERS and n_o >= MIN_CUSTOMERS:
        rng = np.random.default_rng(seed)
        boot_m = _figures(_resampled_sums(members, rng), n_m)
        boot_o = _figures(_resampled_sums(others, rng), n_o)
    result = []
    metrics = ["aov", "frequency", "retention", "clv"]
    if members.shape[1] > 4 and others.shape[1] > 4:
        metrics.append("predicted_clv")
    for metric in metrics:
        m = _finite(point_m.get(metric))
        o = _finite(point_o.get(metric))
        sides = ((int(members[:, 2].sum()), int(others[:, 2].sum())) if metric == "retention"
                 else (n_m, n_o))
        enough = min(sides) >= MIN_CUSTOMERS
        relative = m / o - 1 if m is not None and o else None
        low = high = None
        if enough and boot_m is not None and boot_o is not None and relative is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = boot_m[metric] / boot_o[metric] - 1
            ratios = ratios[np.isfinite(ratios)]
            if ratios.size:
                low, high = (float(v) for v in np.percentile(ratios, [2.5, 97.5]))
        result.append(GroupComparison(
            metric=metric, members=m, non_members=o, n_members=sides[0],
            n_non_members=sides[1], relative=relative if enough else None, low=low, high=high,
            enough=enough,
        ))
    return tuple(result)


def _finite(value: np.ndarray | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if np.isfinite(number) else None


def _points(
    session: Session, workspace_id: WorkspaceId, active: set[CustomerId], start: datetime,
    end: datetime,
) -> tuple[int, int, int, int]:
    """Spendable points of active members and those expiring in the next 30 days (the
    domain's FIFO model, ``ledger.replay``); points earned and redeemed in the window."""
    outstanding = expiring = 0
    for cid, total in session.execute(
        select(LoyaltyEntryRow.customer_id, func.sum(LoyaltyEntryRow.points))
        .where(LoyaltyEntryRow.workspace_id == workspace_id)
        .group_by(LoyaltyEntryRow.customer_id)
    ):
        if CustomerId(cid) in active and int(total or 0) > 0:
            state = replay(store.movements(session, workspace_id, CustomerId(cid)))
            outstanding += state.available(end)
            expiring += state.expiring(end, end + EXPIRING_WINDOW)[0]
    in_window = (LoyaltyEntryRow.workspace_id == workspace_id,
                 LoyaltyEntryRow.occurred_at >= start, LoyaltyEntryRow.occurred_at < end)
    earned = session.scalar(select(func.coalesce(func.sum(LoyaltyEntryRow.points), 0)).where(
        *in_window, LoyaltyEntryRow.kind.in_(EARNING_KINDS), LoyaltyEntryRow.points > 0))
    redeemed = session.scalar(select(func.coalesce(func.sum(LoyaltyEntryRow.points), 0)).where(
        *in_window, LoyaltyEntryRow.kind == "redeem"))
    return outstanding, expiring, int(earned or 0), -int(redeemed or 0)


def programme_report(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    now: datetime,
    window_days: int = 365,
) -> LoyaltyReport:
    """The report as of ``now`` over the last ``window_days`` (see the module docstring)."""
    window_days = max(2, window_days)
    now = ensure_aware_utc(now)
    start = now - timedelta(days=window_days)
    middle = start + timedelta(days=window_days / 2)
    programme = session.get(LoyaltyProgramRow, workspace_id)
    active, ever, tiers = _memberships(session, workspace_id)
    history = commerce.order_totals_between(session, workspace_id, start=EPOCH, end=now)
    orders = [o for o in history if o[1] >= start]
    members, others, former, before = _groups(orders, active, ever, middle)
    predicted = predicted_clv(history, now) if members and others else None
    comparisons = compare_groups(_arrays(members, predicted), _arrays(others, predicted))
    outstanding, expiring, earned, redeemed = _points(session, workspace_id, set(active),
                                                      start, now)
    by_tier: dict[str | None, int] = defaultdict(int)
    for tier, _cid in tiers:
        by_tier[tier] += 1
    order = [str(t.get("key")) for t in (programme.tiers if programme is not None else [])]
    rank = {key: i for i, key in enumerate(order)}
    point_value = programme.point_value if programme is not None else None
    liability = (Decimal(outstanding) * point_value).quantize(Decimal("0.01")) \
        if point_value is not None else None
    return LoyaltyReport(
        window_start=start, window_end=now, window_days=window_days,
        programme=programme is not None,
        currency=programme.currency if programme is not None else None,
        comparisons=comparisons,
        member_customers=len(members), non_member_customers=len(others),
        former_member_customers=len(former),
        member_orders=sum(c.orders for c in members.values()),
        non_member_orders=sum(c.orders for c in others.values()),
        member_orders_before_joining=before,
        active_members=len(active),
        members_by_tier=tuple(sorted(
            by_tier.items(), key=lambda kv: (rank.get(kv[0] or "", len(rank)), kv[0] or ""))),
        outstanding_points=outstanding, point_value=point_value, liability=liability,
        points_earned=earned, points_redeemed=redeemed,
        redemption_rate=redeemed / earned if earned > 0 else None,
        expiring_points=expiring,
    )
