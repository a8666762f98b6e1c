"""Dashboard pages of the loyalty programme: the overview (report with intervals, liability,
redemption rate, members by tier), the programme settings, the rewards catalogue, the members
list and a member's page (ledger, badges, staff adjustment, member-page link), and the panel on
the customer profile. Viewers read; marketers act; programme settings need an admin."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.auth.contracts import Role, User
from kizuna.errors import Invalid
from kizuna.http.deps import SessionDep
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import (
    BONUS_RULES,
    Enrolment,
    ProgrammeConfig,
    RewardSpec,
    TierBasis,
    TierSpec,
)
from kizuna.loyalty.errors import LoyaltyConfigInvalid, NotAMember
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.web.deps import AdminUser, MarketerUser, ViewerUser, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()

PAGE_SIZE = 50
HISTORY_SIZE = 50
EXTRA_TIER_ROWS = 2
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
FormStr = Annotated[str, Form(max_length=2000)]
FormList = Annotated[list[str], Form()]
DONE = "^(|settings|reward|adjusted|enrolled|run|left)$"
KNOWN_FIELDS = {"name", "currency", "points_per_unit", "point_value", "expiry_months",
                "bonus_rules", "tiers", "tier_window_days", "tier_basis", "enrolment",
                "cost_points", "coupon_prefix", "key", "points", "reason"}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _now(request: Request) -> datetime:
    return _runtime(request).clock.now()


def _error_rows(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    """Field label key (known fields only) + the domain's message, for the templates."""
    rows = []
    for e in errors:
        root = str(e.get("field", "")).split(".")[0].split("[")[0]
        rows.append({"field": str(e.get("field", "")),
                     "label": f"loyalty.field.{root}" if root in KNOWN_FIELDS else "",
                     "message": str(e.get("message", ""))})
    return rows


# --- overview -------------------------------------------------------------------------------


@router.get("/loyalty", name="loyalty_overview")
def overview(
    request: Request, user: ViewerUser, session: SessionDep,
    window: Annotated[int, Query(ge=30, le=3650)] = 365,
    done: Annotated[str, Query(pattern=DONE)] = "",
) -> Response:
    now = _now(request)
    programme = loyalty.get_programme(session, user.workspace_id)
    report = loyalty.programme_report(session, user.workspace_id, now=now, window_days=window)
    tiers = {t.key: t for t in programme.config.tiers} if programme else {}
    return render(request, "loyalty/overview.html", {
        "programme": programme, "report": report, "tiers": tiers, "window": window,
        "can_act": user.has_role(Role.MARKETER), "is_admin": user.has_role(Role.ADMIN),
        "done": done, "last_run": None,
    })


@router.post("/loyalty/run", name="loyalty_run")
def run_now(request: Request, user: MarketerUser, session: SessionDep,
            csrf: CsrfField = "") -> Response:
    check_csrf(request.session, csrf)
    loyalty.run_programme(session, user.workspace_id, now=_now(request))
    return RedirectResponse(path_for(request, "loyalty_overview") + "?done=run", status_code=303)


# --- programme settings ---------------------------------------------------------------------


def _settings_page(request: Request, config: ProgrammeConfig, *, exists: bool,
                   errors: list[dict[str, str]] | None = None, status_code: int = 200,
                   raw_tiers: list[dict[str, str]] | None = None) -> Response:
    tiers = raw_tiers if raw_tiers is not None else [
        {"key": t.key, "threshold": f"{t.threshold.normalize():f}",
         "multiplier": f"{t.multiplier.normalize():f}",
         "name_ja": t.name_ja, "name_en": t.name_en, "benefits_ja": t.benefits_ja,
         "benefits_en": t.benefits_en} for t in config.tiers]
    blank = {"key": "", "threshold": "", "multiplier": "1", "name_ja": "", "name_en": "",
             "benefits_ja": "", "benefits_en": ""}
    return render(request, "loyalty/settings.html", {
        "config": config, "exists": exists, "errors": _error_rows(errors or []),
        "tiers": tiers + [dict(blank) for _ in range(EXTRA_TIER_ROWS)],
        "rules": BONUS_RULES, "enrolments": [e.value for e in Enrolment],
        "bases": [b.value for b in TierBasis],
    }, status_code=status_code)


@router.get("/loyalty/settings", name="loyalty_settings")
def settings_form(request: Request, user: AdminUser, session: SessionDep) -> Response:
    programme = loyalty.get_programme(session, user.workspace_id)
    if programme is not None:
        return _settings_page(request, programme.config, exists=True)
    from kizuna.workspaces import api as workspaces

    currency = workspaces.get_workspace(session, user.workspace_id).currency or "USD"
    return _settings_page(request, loyalty.default_programme_config(currency), exists=False)


def _decimal(text: str, field: str, errors: list[dict[str, str]]) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
        if not value.is_finite():
            raise InvalidOperation
        return value
    except (InvalidOperation, ValueError):
        errors.append({"field": field, "message": f"{text!r} is not a number."})
        return Decimal(0)


def _int(text: str, field: str, errors: list[dict[str, str]]) -> int:
    try:
        return int(text.strip())
    except ValueError:
        errors.append({"field": field, "message": f"{text!r} is not a whole number."})
        return 0


@router.post("/loyalty/settings", name="loyalty_settings_save")
def settings_save(
    request: Request, user: AdminUser, session: SessionDep,
    csrf: CsrfField = "", name: FormStr = "", currency: FormStr = "",
    points_per_unit: FormStr = "1", point_value: FormStr = "0.01", expiry_months: FormStr = "",
    enrolment: FormStr = "opt_in", active: FormStr = "", tier_basis: FormStr = "spend",
    tier_window_days: FormStr = "365",
    bonus_first_order: FormStr = "0", bonus_review: FormStr = "0",
    bonus_survey_response: FormStr = "0", bonus_referral: FormStr = "0",
    bonus_birthday: FormStr = "0", bonus_idea_shipped: FormStr = "0",
    tier_key: FormList = [],  # noqa: B006 - FastAPI copies defaults
    tier_threshold: FormList = [],  # noqa: B006
    tier_multiplier: FormList = [],  # noqa: B006
    tier_name_ja: FormList = [],  # noqa: B006
    tier_name_en: FormList = [],  # noqa: B006
    tier_benefits_ja: FormList = [],  # noqa: B006
    tier_benefits_en: FormList = [],  # noqa: B006
) -> Response:
    check_csrf(request.session, csrf)
    errors: list[dict[str, str]] = []
    bonus = {"first_order": bonus_first_order, "review": bonus_review,
             "survey_response": bonus_survey_response, "referral": bonus_referral,
             "birthday": bonus_birthday, "idea_shipped": bonus_idea_shipped}
    rules = {rule: _int(bonus.get(rule, "0") or "0", f"bonus_rules.{rule}", errors)
             for rule in BONUS_RULES}
    columns = {"threshold": tier_threshold, "multiplier": tier_multiplier,
               "name_ja": tier_name_ja, "name_en": tier_name_en,
               "benefits_ja": tier_benefits_ja, "benefits_en": tier_benefits_en}
    raw_tiers: list[dict[str, str]] = []
    tiers: list[TierSpec] = []
    for i, key in enumerate(tier_key):
        row = {"key": key.strip(), **{c: (v[i] if i < len(v) else "").strip()
                                      for c, v in columns.items()}}
        if not row["key"]:
            continue
        raw_tiers.append(row)
        tiers.append(TierSpec(
            key=row["key"],
            threshold=_decimal(row["threshold"] or "0", f"tiers[{i}].threshold", errors),
            multiplier=_decimal(row["multiplier"] or "1", f"tiers[{i}].multiplier", errors),
            name_ja=row["name_ja"], name_en=row["name_en"], benefits_ja=row["benefits_ja"],
            benefits_en=row["benefits_en"]))
    config = ProgrammeConfig(
        name=name.strip(), currency=currency.strip().upper(),
        points_per_unit=_decimal(points_per_unit, "points_per_unit", errors),
        point_value=_decimal(point_value, "point_value", errors),
        enrolment=Enrolment(enrolment) if enrolment in Enrolment._value2member_map_
        else Enrolment.OPT_IN,
        active=active == "1",
        expiry_months=(_int(expiry_months, "expiry_months", errors)
                       if expiry_months.strip() else None),
        bonus_rules=rules,
        tier_basis=TierBasis(tier_basis) if tier_basis in TierBasis._value2member_map_
        else TierBasis.SPEND,
        tier_window_days=_int(tier_window_days, "tier_window_days", errors),
        tiers=tuple(tiers),
    )
    exists = loyalty.get_programme(session, user.workspace_id) is not None
    if not errors:
        try:
            with session.begin_nested():
                loyalty.configure_programme(session, user.workspace_id, config,
                                            now=_now(request))
        except LoyaltyConfigInvalid as exc:
            errors = list(exc.errors)
    if errors:
        return _settings_page(request, config, exists=exists, errors=errors,
                              status_code=400, raw_tiers=raw_tiers)
    return RedirectResponse(path_for(request, "loyalty_overview") + "?done=settings",
                            status_code=303)


# --- rewards --------------------------------------------------------------------------------


def _rewards_page(request: Request, session: Session, user: User, *,
                  editing: RewardSpec | None = None, errors: list[dict[str, str]] | None = None,
                  done: str = "", status_code: int = 200) -> Response:
    rewards = loyalty.list_rewards(session, user.workspace_id, active_only=False)
    programme = loyalty.get_programme(session, user.workspace_id)
    return render(request, "loyalty/rewards.html", {
        "rewards": rewards, "editing": editing, "errors": _error_rows(errors or []),
        "tiers": programme.config.tiers if programme else (),
        "can_act": user.has_role(Role.MARKETER), "done": done,
    }, status_code=status_code)


@router.get("/loyalty/rewards", name="loyalty_rewards")
def rewards(
    request: Request, user: ViewerUser, session: SessionDep,
    edit: Annotated[str, Query(max_length=64)] = "",
    done: Annotated[str, Query(pattern=DONE)] = "",
) -> Response:
    editing = None
    if edit:
        found = next((r for r in loyalty.list_rewards(session, user.workspace_id,
                                                      active_only=False) if r.key == edit), None)
        if found is not None:
            editing = RewardSpec(
                key=found.key, name_ja=found.name_ja, name_en=found.name_en,
                cost_points=found.cost_points, coupon_prefix=found.coupon_prefix,
                description_ja=found.description_ja, description_en=found.description_en,
                stock=found.stock, min_tier=found.min_tier, active=found.active)
    return _rewards_page(request, session, user, editing=editing, done=done)


@router.post("/loyalty/rewards", name="loyalty_reward_save")
def reward_save(
    request: Request, user: MarketerUser, session: SessionDep,
    csrf: CsrfField = "", key: FormStr = "", name_ja: FormStr = "", name_en: FormStr = "",
    description_ja: FormStr = "", description_en: FormStr = "", cost_points: FormStr = "",
    coupon_prefix: FormStr = "", stock: FormStr = "", min_tier: FormStr = "",
    active: FormStr = "",
) -> Response:
    check_csrf(request.session, csrf)
    errors: list[dict[str, str]] = []
    cost = _int(cost_points or "0", "cost_points", errors)
    stock_n = _int(stock, "stock", errors) if stock.strip() else None
    spec = RewardSpec(key=key.strip(), name_ja=name_ja.strip(), name_en=name_en.strip(),
                      cost_points=cost, coupon_prefix=coupon_prefix.strip().upper(),
                      description_ja=description_ja.strip(),
                      description_en=description_en.strip(), stock=stock_n,
                      min_tier=min_tier.strip() or None, active=active == "1")
    if not errors:
        try:
            with session.begin_nested():
                loyalty.save_reward(session, user.workspace_id, spec, now=_now(request))
        except Invalid as exc:
            errors = list(exc.fields.get("errors") or [
                {"field": str(exc.fields.get("field", "")), "message": str(exc)}])
    if errors:
        return _rewards_page(request, session, user, editing=spec, errors=errors,
                             status_code=400)
    return RedirectResponse(path_for(request, "loyalty_rewards") + "?done=reward",
                            status_code=303)


# --- members --------------------------------------------------------------------------------


@router.get("/loyalty/members", name="loyalty_members")
def members(
    request: Request, user: ViewerUser, session: SessionDep,
    tier: Annotated[str, Query(max_length=32)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    result = loyalty.list_members(session, user.workspace_id, page=page, page_size=PAGE_SIZE,
                                  tier=tier or None)
    programme = loyalty.get_programme(session, user.workspace_id)
    names = {m.customer_id: _name(session, user, m.customer_id) for m in result.items}
    return render(request, "loyalty/members.html", {
        "result": result, "tier": tier, "names": names,
        "tiers": programme.config.tiers if programme else (),
    })


def _name(session: Session, user: User, customer_id: CustomerId) -> str:
    return profiles.get_customer(session, user.workspace_id, customer_id).display_name


def _member_page(request: Request, session: Session, user: User, customer_id: int, *,
                 done: str = "", link: str = "", errors: list[dict[str, str]] | None = None,
                 page: int = 1, status_code: int = 200) -> Response:
    customer = profiles.get_customer(session, user.workspace_id, CustomerId(customer_id))
    summary = loyalty.member_summary(session, user.workspace_id, customer.id,
                                     now=_now(request))
    if summary is None:
        raise NotAMember(customer_id=customer.id)
    history = loyalty.member_history(session, user.workspace_id, customer.id, page=page,
                                     page_size=HISTORY_SIZE)
    programme = loyalty.get_programme(session, user.workspace_id)
    redemptions = [e for e in history.items if str(e.kind) == "redeem"]
    return render(request, "loyalty/member.html", {
        "customer": customer, "summary": summary, "history": history,
        "redemptions": redemptions, "programme": programme, "done": done, "link": link,
        "errors": _error_rows(errors or []), "can_act": user.has_role(Role.MARKETER),
        "adjust_key": secrets.token_urlsafe(12),
    }, status_code=status_code)


@router.get("/loyalty/members/{customer_id}", name="loyalty_member")
def member(
    request: Request, user: ViewerUser, session: SessionDep, customer_id: int,
    done: Annotated[str, Query(pattern=DONE)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _member_page(request, session, user, customer_id, done=done, page=page)


@router.post("/loyalty/members/{customer_id}/adjust", name="loyalty_member_adjust")
def adjust(
    request: Request, user: MarketerUser, session: SessionDep, customer_id: int,
    csrf: CsrfField = "", points: FormStr = "", reason: FormStr = "",
    idempotency_key: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    check_csrf(request.session, csrf)
    errors: list[dict[str, str]] = []
    amount = _int(points or "0", "points", errors)
    if not errors and amount == 0:
        errors.append({"field": "points", "message": "Enter a number of points other than 0."})
    if not reason.strip():
        errors.append({"field": "reason", "message": "Say why the points change."})
    customer = profiles.get_customer(session, user.workspace_id, CustomerId(customer_id))
    if not errors:
        try:
            with session.begin_nested():
                loyalty.adjust_points(
                    session, user.workspace_id, customer.id, points=amount,
                    reason=f"{reason.strip()} ({user.email})"[:200],
                    idempotency_key=f"dashboard:{idempotency_key or secrets.token_urlsafe(12)}",
                    now=_now(request))
        except Invalid as exc:
            errors.append({"field": str(exc.fields.get("field", "points")),
                           "message": str(exc)})
    if errors:
        return _member_page(request, session, user, customer.id, errors=errors,
                            status_code=400)
    url = path_for(request, "loyalty_member", customer_id=str(customer.id)) + "?done=adjusted"
    return RedirectResponse(url, status_code=303)


@router.post("/loyalty/members/{customer_id}/link", name="loyalty_member_link")
def member_link(request: Request, user: MarketerUser, session: SessionDep, customer_id: int,
                csrf: CsrfField = "") -> Response:
    """A link to the customer's public member page, shown once (only its hash is stored)."""
    check_csrf(request.session, csrf)
    customer = profiles.get_customer(session, user.workspace_id, CustomerId(customer_id))
    token = loyalty.issue_member_page_link(session, user.workspace_id, customer.id,
                                           now=_now(request))
    site = str(request.base_url).rstrip("/").removesuffix(request.scope.get("root_path", ""))
    return _member_page(request, session, user, customer.id, link=f"{site}/p/loyalty?m={token}")


@router.post("/loyalty/members/{customer_id}/enrol", name="loyalty_member_enrol")
def enrol(request: Request, user: MarketerUser, session: SessionDep, customer_id: int,
          csrf: CsrfField = "") -> Response:
    check_csrf(request.session, csrf)
    customer = profiles.get_customer(session, user.workspace_id, CustomerId(customer_id))
    loyalty.enrol(session, user.workspace_id, customer.id, channel="dashboard",
                  now=_now(request))
    url = path_for(request, "loyalty_member", customer_id=str(customer.id)) + "?done=enrolled"
    return RedirectResponse(url, status_code=303)


# --- profile panel --------------------------------------------------------------------------


def profile_panel(
    request: Request, session: Session, user: User, customer_id: CustomerId
) -> dict[str, Any] | None:
    """What the customer profile page shows of this domain (None: no panel)."""
    programme = loyalty.get_programme(session, user.workspace_id)
    if programme is None:
        return None
    summary = loyalty.member_summary(session, user.workspace_id, customer_id,
                                     now=_now(request))
    return {"summary": summary, "customer_id": customer_id, "currency": programme.config.currency,
            "can_act": user.has_role(Role.MARKETER)}
