"""`kizuna loyalty …`: run the programme, print the report, look a member up, enrol, configure."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from kizuna.cli.context import console, fail, print_json, runtime_of, session_of
from kizuna.errors import Invalid, KizunaError
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.errors import LoyaltyNotConfigured, NotAMember
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.types import CustomerId, WorkspaceId
from kizuna.workspaces import api as workspaces

app = typer.Typer(help="Loyalty programme: points, tiers, rewards, badges and the report.",
                  no_args_is_help=True)

CustomerArg = Annotated[str, typer.Argument(
    help="The customer: kizuna id (a number) or the userId your site sends.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
METRICS = {"aov": "Average order value", "frequency": "Orders per customer",
           "retention": "Retention (1st half → 2nd)", "clv": "Historical CLV",
           "predicted_clv": "Predicted CLV (12 months)"}


def _customer(session: Session, ws: WorkspaceId, ref: str) -> CustomerId:
    if ref.isdigit():
        return profiles.get_customer(session, ws, CustomerId(int(ref))).id
    found = profiles.find_customer_id(session, ws, IdentityRef(user_id=ref))
    if found is None:
        raise Invalid(f"No customer has the userId {ref!r}; give the kizuna id or a known "
                      "userId.")
    return found


@app.command("run")
def run(ctx: typer.Context) -> None:
    """Run the programme now: earning, reversals, bonuses, tiers, badges, expiry."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            result = loyalty.run_programme(session, ws.id, now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    bonuses = ", ".join(f"{k} {v}" for k, v in sorted(result.bonuses.items())) or "none"
    console.print(f"enrolled {result.enrolled}, orders earned {result.orders_earned} "
                  f"({result.points_earned} pt), reversals {result.reversals}, bonuses: "
                  f"{bonuses}, tier changes {result.tier_changes}, badges {result.badges}, "
                  f"expired {result.expired_points} pt", markup=False)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f} %"


def _value(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f} %" if metric == "retention" else f"{value:,.2f}"


@app.command("report")
def report(
    ctx: typer.Context,
    window_days: Annotated[int, typer.Option("--window-days", min=30, max=3650)] = 365,
    as_json: JsonOption = False,
) -> None:
    """Members vs non-members (with 95 % intervals and n), liability, redemption rate."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            result = loyalty.programme_report(session, ws.id, now=rt.clock.now(),
                                              window_days=window_days)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        from dataclasses import asdict

        print_json(asdict(result))
        return
    table = Table(title=f"Members vs non-members, last {result.window_days} days "
                  "(n < 30: not enough data)")
    for name, justify in (("figure", "left"), ("members", "right"), ("non-members", "right"),
                          ("difference", "right"), ("95 % interval", "right"),
                          ("n (m / non-m)", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for c in result.comparisons:
        table.add_row(METRICS[c.metric], _value(c.members, c.metric),
                      _value(c.non_members, c.metric),
                      _pct(c.relative) if c.enough else "n < 30",
                      f"{_pct(c.low)} … {_pct(c.high)}" if c.low is not None else "—",
                      f"{c.n_members} / {c.n_non_members}")
    console.print(table)
    rate = "—" if result.redemption_rate is None else f"{result.redemption_rate:.1%}"
    console.print(
        f"active members {result.active_members}; outstanding {result.outstanding_points:,} pt"
        f" = {result.liability if result.liability is not None else '—'} "
        f"{result.currency or ''}; redemption rate {rate} ({result.points_redeemed:,} of "
        f"{result.points_earned:,} pt); expiring in 30 days {result.expiring_points:,} pt",
        markup=False)
    tiers = ", ".join(f"{t or 'none'} {n}" for t, n in result.members_by_tier) or "none"
    console.print(f"members by tier: {tiers}", markup=False)
    console.print("Members self-select: an association, not the programme's effect.",
                  markup=False)


@app.command("member")
def member(
    ctx: typer.Context, customer: CustomerArg,
    link: Annotated[bool, typer.Option("--link", help="Also issue a member page link "
                                       "(replaces the previous one).")] = False,
    as_json: JsonOption = False,
) -> None:
    """A member's balance, tier, progress, expiring points and badges."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            cid = _customer(session, ws.id, customer)
            summary = loyalty.member_summary(session, ws.id, cid, now=rt.clock.now())
            if summary is None:
                raise NotAMember(customer_id=cid)
            token = (loyalty.issue_member_page_link(session, ws.id, cid, now=rt.clock.now())
                     if link else None)
    except KizunaError as exc:
        raise fail(exc) from exc
    if as_json:
        from dataclasses import asdict

        print_json({**asdict(summary), "member_page_token": token})
        return
    console.print(f"customer {summary.customer_id}: {summary.balance:,} pt, tier "
                  f"{summary.tier or '—'} ({summary.tier_name_en or '—'}) since "
                  f"{summary.tier_since or '—'}", markup=False)
    if summary.next_tier:
        console.print(f"next tier {summary.next_tier}: {summary.missing_for_next} to go",
                      markup=False)
    console.print(f"expiring within 30 days: {summary.expiring_points:,} pt"
                  f"{f' on {summary.expiring_at}' if summary.expiring_at else ''}", markup=False)
    console.print(f"badges: {', '.join(b.name_en for b in summary.badges) or 'none'}",
                  markup=False)
    if token:
        console.print(f"member page: <server>/p/loyalty?m={token} (shown once; e.g. "
                      f"http://127.0.0.1:8000/p/loyalty?m={token})", markup=False)


@app.command("enrol")
def enrol(ctx: typer.Context, customer: CustomerArg,
          channel: Annotated[str, typer.Option("--channel")] = "cli") -> None:
    """Enrol a customer (enrolling a member again changes nothing)."""
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            if loyalty.get_programme(session, ws.id) is None:
                raise LoyaltyNotConfigured()
            cid = _customer(session, ws.id, customer)
            made = loyalty.enrol(session, ws.id, cid, channel=channel, now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    console.print(f"customer {made.customer_id} is a member since {made.joined_at}",
                  markup=False)


@app.command("configure")
def configure(
    ctx: typer.Context,
    defaults: Annotated[bool, typer.Option("--defaults", help="Use the default programme "
                                           "(1 pt per unit, 12-month expiry, 3 tiers).")] = False,
    currency: Annotated[str, typer.Option("--currency")] = "USD",
) -> None:
    """Create (or reset) the programme with the defaults in ``--currency``."""
    if not defaults:
        raise fail(Invalid("Say --defaults (edit the details in the dashboard or with "
                           "PUT /v1/loyalty/programme)."))
    try:
        with runtime_of(ctx) as rt, session_of(rt) as session:
            ws = workspaces.ensure_default_workspace(session, rt.clock)
            programme = loyalty.configure_programme(
                session, ws.id, loyalty.default_programme_config(currency.upper()),
                now=rt.clock.now())
    except KizunaError as exc:
        raise fail(exc) from exc
    c = programme.config
    tiers = ", ".join(f"{t.key} ≥ {t.threshold}" for t in c.tiers)
    console.print(f"programme {c.name!r} in {c.currency}: {c.points_per_unit} pt per unit, "
                  f"expiry {c.expiry_months or 'never'} months, tiers {tiers}", markup=False)
