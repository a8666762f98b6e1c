"""Public (no login) review form, served under /p: ``/p/reviews/{product_id}?t=<token>``.

The token comes from a review link issued for one customer and one product (admin API
``POST /v1/reviews/links``, e.g. in a post-purchase email). On the first visit the token moves
into the visitor's public session and the page redirects to the bare URL, so it does not linger
in the address bar, the history or a Referer header. A successful submission uses the link up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kizuna.db.translate import translate_db_errors
from kizuna.reviews import api as reviews
from kizuna.reviews.contracts import LinkGrant, ReviewInput
from kizuna.reviews.errors import ReviewInvalid, ReviewLinkInvalid
from kizuna.runtime import Runtime
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

SESSION_KEY = "review_links"  # product id -> token, in the public session
FormStr = Annotated[str, Form()]
_KNOWN_FIELDS = ("rating", "title", "body", "photos")


@contextmanager
def _tx(request: Request) -> Iterator[tuple[Session, Runtime]]:
    runtime: Runtime = request.app.state.runtime
    with translate_db_errors(), runtime.sessions() as session, session.begin():
        yield session, runtime


def _tokens(request: Request) -> dict[str, str]:
    saved = request.session.get(SESSION_KEY)
    return dict(saved) if isinstance(saved, dict) else {}


def _link_problem(request: Request, exc: ReviewLinkInvalid, locale: str) -> Response:
    reason = exc.fields.get("reason")
    key = {"used": "public.reviews.link_used", "expired": "public.reviews.link_expired"}.get(
        str(reason), "public.reviews.link_invalid")
    return render_public(request, "public/reviews/notice.html", {"message_key": key},
                         locale=locale, status_code=410)


def _form(request: Request, grant: LinkGrant, locale: str, *, values: dict[str, Any],
          errors: dict[str, str], status_code: int = 200) -> Response:
    with _tx(request) as (session, _runtime):
        product = reviews.describe_product(session, grant.workspace_id, grant.product_id)
    return render_public(request, "public/reviews/form.html", {
        "product": product,
        "action": public_path(request, "public_review_submit", product_id=grant.product_id),
        "values": values,
        "errors": errors,
        "existing": grant.existing is not None,
    }, locale=locale, status_code=status_code)


@router.get("/reviews/{product_id}", name="public_review_form")
def review_form(request: Request, product_id: str, t: str | None = None) -> Response:
    locale = choose_public_locale(request)
    tokens = _tokens(request)
    token = t if t is not None else tokens.get(product_id, "")
    try:
        with _tx(request) as (session, runtime):
            grant = reviews.open_review_link(session, token, product_id,
                                             at=runtime.clock.now())
    except ReviewLinkInvalid as exc:
        return _link_problem(request, exc, locale)
    if t is not None:
        tokens[product_id] = t
        request.session[SESSION_KEY] = dict(list(tokens.items())[-10:])
        return RedirectResponse(public_path(request, "public_review_form",
                                            product_id=product_id), status_code=303)
    values: dict[str, Any] = {"rating": "", "title": "", "body": "", "photos": ""}
    if grant.existing is not None:
        old = grant.existing
        values = {"rating": str(old.rating), "title": old.title, "body": old.body,
                  "photos": "\n".join(old.photos)}
    return _form(request, grant, locale, values=values, errors={})


def _field_errors(exc: ReviewInvalid) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors:
        field = err["field"].split(".")[0]
        errors.setdefault(field if field in _KNOWN_FIELDS else "other", err["message"])
    return errors


@router.post("/reviews/{product_id}", name="public_review_submit")
def review_submit(
    request: Request,
    product_id: str,
    rating: FormStr = "",
    title: FormStr = "",
    body: FormStr = "",
    photos: FormStr = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    honeypot: Annotated[str, Form(alias=HONEYPOT_FIELD)] = "",
) -> Response:
    limit(request, "reviews")
    check_form(request, csrf)
    locale = choose_public_locale(request)
    thanks = public_path(request, "public_review_thanks", product_id=product_id)
    if is_bot(honeypot):
        return RedirectResponse(thanks, status_code=303)  # tell the bot nothing
    token = _tokens(request).get(product_id, "")
    raw = ReviewInput(product_id=product_id, rating=rating, title=title, body=body,
                      photos=[line for line in photos.splitlines() if line.strip()],
                      locale=locale)
    values = {"rating": rating, "title": title, "body": body, "photos": photos}
    try:
        with _tx(request) as (session, runtime):
            reviews.submit_review_with_link(session, token, raw, at=runtime.clock.now())
    except ReviewLinkInvalid as exc:
        return _link_problem(request, exc, locale)
    except ReviewInvalid as exc:
        with _tx(request) as (session, runtime):
            grant = reviews.open_review_link(session, token, product_id,
                                             at=runtime.clock.now())
        return _form(request, grant, locale, values=values, errors=_field_errors(exc),
                     status_code=400)
    tokens = _tokens(request)
    tokens.pop(product_id, None)
    request.session[SESSION_KEY] = tokens
    return RedirectResponse(thanks, status_code=303)


@router.get("/reviews/{product_id}/thanks", name="public_review_thanks")
def review_thanks(request: Request, product_id: str) -> Response:
    return render_public(request, "public/reviews/notice.html",
                         {"message_key": "public.reviews.thanks",
                          "title_key": "public.reviews.thanks_title"})
