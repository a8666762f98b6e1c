"""The public member page ``/p/loyalty`` (ja / en): balance, tier and progress to the next,
expiring points, badges, history, and the rewards the member can redeem.

A member-page link ``/p/loyalty?m=<token>`` (issued once from the dashboard or
``kizuna loyalty member --link``; only its hash is stored) puts the member in the public
session cookie (key ``loyalty_member``) and redirects to the page without the token, so it
stays out of the address bar, history and Referer (the access log masks ``?m=`` too).
Redeeming is a POST with the CSRF field, the honeypot, the visitor's rate limit and a hidden
idempotency key: sending the same form twice returns the same coupon code.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.db.translate import translate_db_errors
from kizuna.errors import Conflict
from kizuna.loyalty import api as loyalty
from kizuna.loyalty.contracts import Redemption, TierBasis
from kizuna.loyalty.errors import InsufficientPoints, NotAMember, RewardNotFound
from kizuna.runtime import Runtime
from kizuna.types import CustomerId, WorkspaceId
from kizuna.web import formatting
from kizuna.web.public import (
    HONEYPOT_FIELD,
    check_form,
    choose_public_locale,
    is_bot,
    limit,
    public_path,
    render_public,
)
from kizuna.web.security import CSRF_FIELD

router = APIRouter()

MEMBER_KEY = "loyalty_member"
HISTORY_SIZE = 20
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
Honeypot = Annotated[str, Form(alias=HONEYPOT_FIELD)]


class _LinkRequired(Exception):
    """No (valid) member link: answered with a page in the visitor's language."""


def _link_required(request: Request) -> Response:
    from kizuna.web import i18n

    t = i18n.translator(choose_public_locale(request))
    return render_public(request, "public/error.html",
                         {"status": 403, "message": t("loyalty.public.link_required")},
                         status_code=403)


@contextmanager
def _tx(request: Request) -> Iterator[tuple[Session, Runtime]]:
    runtime: Runtime = request.app.state.runtime
    with translate_db_errors(), runtime.sessions() as session, session.begin():
        yield session, runtime


def _member(request: Request) -> tuple[WorkspaceId, CustomerId]:
    raw = request.session.get(MEMBER_KEY)
    if (isinstance(raw, list) and len(raw) == 2 and all(isinstance(v, int) for v in raw)):
        return WorkspaceId(raw[0]), CustomerId(raw[1])
    raise _LinkRequired


def _page(request: Request, session: Session, runtime: Runtime, ws: WorkspaceId,
          cid: CustomerId, *, redemption: Redemption | None = None, error: str = "",
          status_code: int = 200) -> Response:
    now = runtime.clock.now()
    summary = loyalty.member_summary(session, ws, cid, now=now)
    if summary is None:
        request.session.pop(MEMBER_KEY, None)
        raise _LinkRequired
    programme = loyalty.get_programme(session, ws)
    tiers = programme.config.tiers if programme else ()
    current = next((t for t in tiers if t.key == summary.tier), None)
    upcoming = next((t for t in tiers if t.key == summary.next_tier), None)
    progress = None
    if current is not None and upcoming is not None and upcoming.threshold > current.threshold:
        span = upcoming.threshold - current.threshold
        progress = max(0, min(100, int((summary.qualifying - current.threshold) * 100 / span)))
    missing = "—"
    if summary.missing_for_next is not None:
        spend = programme is not None and programme.config.tier_basis == TierBasis.SPEND
        missing = (formatting.format_money(summary.missing_for_next,
                                           programme.config.currency)
                   if spend and programme is not None
                   else f"{summary.missing_for_next:,.0f} pt")
    rewards = loyalty.list_rewards(session, ws, active_only=True)
    history = loyalty.member_history(session, ws, cid, page=1, page_size=HISTORY_SIZE)
    locale = choose_public_locale(request)
    return render_public(request, "public/loyalty/member.html", {
        "s": summary, "programme": programme, "progress": progress, "rewards": rewards,
        "history": history.items, "redemption": redemption, "error": error,
        "redeem_key": secrets.token_urlsafe(16), "tier_keys": [t.key for t in tiers],
        "currency": programme.config.currency if programme else "", "missing": missing,
    }, locale=locale, status_code=status_code)


@router.get("/loyalty", name="public_loyalty")
def member_page(
    request: Request,
    m: Annotated[str, Query(max_length=300)] = "",
    lang: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    if m:
        with _tx(request) as (session, _):
            found = loyalty.member_for_page_token(session, m)
        if found is None:
            request.session.pop(MEMBER_KEY, None)
            return _link_required(request)
        request.session[MEMBER_KEY] = [int(found[0]), int(found[1])]
        url = public_path(request, "public_loyalty") + (f"?lang={lang}" if lang else "")
        return RedirectResponse(url, status_code=303)
    if lang:
        locale = choose_public_locale(request)
        request.session["locale"] = locale
    try:
        ws, cid = _member(request)
        with _tx(request) as (session, runtime):
            return _page(request, session, runtime, ws, cid)
    except _LinkRequired:
        return _link_required(request)


@router.post("/loyalty/redeem", name="public_loyalty_redeem")
def redeem(
    request: Request,
    csrf: CsrfField = "",
    honeypot: Honeypot = "",
    reward: Annotated[str, Form(max_length=64)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_form(request, csrf)
    limit(request)
    try:
        ws, cid = _member(request)
    except _LinkRequired:
        return _link_required(request)
    if is_bot(honeypot) or not key:
        return RedirectResponse(public_path(request, "public_loyalty"), status_code=303)
    t_locale = choose_public_locale(request)
    from kizuna.web import i18n

    t = i18n.translator(t_locale)
    with _tx(request) as (session, runtime):
        try:
            with session.begin_nested():
                made = loyalty.redeem_reward(session, ws, cid, reward,
                                             idempotency_key=f"page:{cid}:{key}",
                                             now=runtime.clock.now())
        except InsufficientPoints:
            return _page(request, session, runtime, ws, cid,
                         error=t("loyalty.public.error.points"), status_code=409)
        except (RewardNotFound, Conflict):
            return _page(request, session, runtime, ws, cid,
                         error=t("loyalty.public.error.unavailable"), status_code=409)
        except NotAMember:
            request.session.pop(MEMBER_KEY, None)
            return _link_required(request)
        try:
            return _page(request, session, runtime, ws, cid, redemption=made)
        except _LinkRequired:
            return _link_required(request)
