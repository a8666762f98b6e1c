"""Dashboard pages of the reviews domain: the moderation queue and a page per product."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from kizuna.auth.contracts import Role, User
from kizuna.charts import svg
from kizuna.http.deps import SessionDep
from kizuna.profiles import api as profiles
from kizuna.profiles.errors import CustomerNotFound
from kizuna.reviews import api as reviews
from kizuna.reviews.contracts import RatingSummary, RejectReason, ReviewFilter, ReviewStatus
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.web import i18n
from kizuna.web.deps import MarketerUser, ViewerUser, choose_locale, path_for, render
from kizuna.web.security import CSRF_FIELD, check_csrf, safe_next

router = APIRouter()

PAGE_SIZE = 50
FILTER_STATUSES = ("pending", "approved", "rejected", "all")
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]


def _now(request: Request) -> datetime:
    runtime: Runtime = request.app.state.runtime
    return runtime.clock.now()


def _names(session: Session, user: User, customer_ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    for cid in customer_ids:
        try:
            names[cid] = profiles.get_customer(session, user.workspace_id,
                                               CustomerId(cid)).display_name
        except CustomerNotFound:
            names[cid] = f"#{cid}"
    return names


@router.get("/reviews", name="reviews_list")
def reviews_list(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    status: Annotated[str, Query(pattern="^(pending|approved|rejected|all)$")] = "pending",
    rating: Annotated[str, Query(pattern="^[1-5]?$")] = "",
    verified: Annotated[str, Query(pattern="^(yes|no)?$")] = "",
    product: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The moderation queue: pending reviews oldest first; other statuses newest first."""
    where = ReviewFilter(
        status=None if status == "all" else ReviewStatus(status),
        rating=int(rating) if rating else None,
        verified={"yes": True, "no": False}.get(verified),
        product_id=product.strip() or None,
    )
    result = reviews.list_reviews(session, user.workspace_id, where, page=page,
                                  page_size=PAGE_SIZE, oldest_first=status == "pending")
    products = {pid: reviews.describe_product(session, user.workspace_id, pid)
                for pid in {r.product_id for r in result.items}}
    filters = {"status": status, "rating": rating, "verified": verified,
               "product": product.strip()}
    return render(request, "reviews/list.html", {
        "result": result,
        "filters": filters,
        "statuses": FILTER_STATUSES,
        "counts": reviews.review_counts(session, user.workspace_id),
        "names": _names(session, user, {r.customer_id for r in result.items}),
        "products": products,
        "reasons": [r.value for r in RejectReason],
        "can_moderate": user.has_role(Role.MARKETER),
        "done": done if done in ("approved", "rejected") else "",
        "query_of": lambda **changes: _query({**filters, **changes}),
    })


def _query(params: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _back(request: Request, next_path: str, done: str) -> Response:
    """Back to the page the moderator came from, saying what was done."""
    target = urlsplit(safe_next(next_path, path_for(request, "reviews_list")))
    query = [(k, v) for k, v in parse_qsl(target.query) if k != "done"] + [("done", done)]
    return RedirectResponse(f"{target.path}?{urlencode(query)}", status_code=303)


@router.post("/reviews/{review_id}/approve", name="reviews_approve")
def approve(
    request: Request, user: MarketerUser, session: SessionDep, review_id: int,
    csrf: CsrfField = "", next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.session, csrf)
    reviews.moderate_review(session, user.workspace_id, review_id, decision="approve",
                            moderator=user.id, at=_now(request))
    return _back(request, next, "approved")


@router.post("/reviews/{review_id}/reject", name="reviews_reject")
def reject(
    request: Request, user: MarketerUser, session: SessionDep, review_id: int,
    csrf: CsrfField = "", reason: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=4000)] = "", next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.session, csrf)
    reviews.moderate_review(session, user.workspace_id, review_id, decision="reject",
                            reason=reason, note=note, moderator=user.id, at=_now(request))
    return _back(request, next, "rejected")


@router.post("/reviews/approve", name="reviews_bulk_approve")
def bulk_approve(
    request: Request, user: MarketerUser, session: SessionDep, csrf: CsrfField = "",
    review_ids: Annotated[list[int] | None, Form()] = None,
    next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request.session, csrf)
    if review_ids:
        reviews.approve_reviews(session, user.workspace_id, review_ids[:500],
                                moderator=user.id, at=_now(request))
    return _back(request, next, "approved")


def rating_chart(summary: RatingSummary, locale: str) -> Markup:
    """Distribution of stars as a server-side SVG bar chart (5 stars on top)."""
    t = i18n.translator(locale)
    bars = [svg.Bar(label=t("reviews.stars", n=star), value=summary.distribution[star])
            for star in range(5, 0, -1)]
    return svg.bar_chart(bars, title=t("reviews.product.distribution"),
                         desc=t("reviews.product.distribution_desc", n=summary.n),
                         no_data_label=t("reviews.none"),
                         id_prefix="rating")


@router.get("/reviews/products/{product_id:path}", name="reviews_product")
def product_page(
    request: Request, user: ViewerUser, session: SessionDep, product_id: str,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """A product's rating (mean with its interval, distribution, verified share) and its
    approved reviews."""
    summary = reviews.rating_summary(session, user.workspace_id, product_id)
    result = reviews.list_product_reviews(session, user.workspace_id, product_id, page=page,
                                          page_size=PAGE_SIZE)
    return render(request, "reviews/product.html", {
        "product": reviews.describe_product(session, user.workspace_id, product_id),
        "summary": summary,
        "chart": rating_chart(summary, choose_locale(request, user)),
        "result": result,
        "names": _names(session, user, {r.customer_id for r in result.items}),
    })
