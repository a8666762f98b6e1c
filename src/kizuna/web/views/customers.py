"""Customers list, customer profile and the profile's timeline pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.commerce import api as commerce
from kizuna.http.deps import SessionDep
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.types import CustomerId
from kizuna.web.deps import ViewerUser, path_for, render
from kizuna.web.views import loyalty as loyalty_views
from kizuna.web.views import recommendations as recommendation_views

router = APIRouter()

PAGE_SIZE = 50
TIMELINE_PAGE = 50
RECENT_ORDERS = 20


@router.get("/", name="home")
def home(request: Request, user: ViewerUser) -> Response:
    return RedirectResponse(path_for(request, "overview"), status_code=303)


@router.get("/customers", name="customers_list")
def customers_list(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    query = q.strip()
    result = profiles.search_customers(
        session, user.workspace_id, query or None, page=page, page_size=PAGE_SIZE
    )
    order_counts = commerce.count_orders_by_customer(
        session, user.workspace_id, [c.id for c in result.items]
    )
    return render(
        request, "customers/list.html", {"q": query, "result": result, "order_counts": order_counts}
    )


@router.get("/customers/{customer_id}", name="customer_profile")
def customer_profile(
    request: Request, user: ViewerUser, session: SessionDep, customer_id: int
) -> Response:
    customer = profiles.get_customer(session, user.workspace_id, CustomerId(customer_id))
    if customer.id != customer_id:  # merged away: show the surviving profile
        return RedirectResponse(
            path_for(request, "customer_profile", customer_id=str(customer.id)), status_code=303
        )
    consents = profiles.list_consents(session, user.workspace_id, customer.id)
    orders = commerce.list_customer_orders(
        session, user.workspace_id, customer.id, limit=RECENT_ORDERS
    )
    stats = commerce.customer_order_stats(session, user.workspace_id, customer.id)
    timeline = ingest.list_timeline(session, user.workspace_id, customer.id, limit=TIMELINE_PAGE)
    # Panels other domains add to the profile (each None when there is nothing to show).
    loyalty_panel = loyalty_views.profile_panel(request, session, user, customer.id)
    recommendation_panel = recommendation_views.profile_panel(request, session, user, customer.id)
    return render(
        request,
        "customers/profile.html",
        {
            "customer": customer,
            "consents": consents,
            "orders": orders,
            "recent_orders_limit": RECENT_ORDERS,
            "stats": stats,
            "timeline": timeline,
            "loyalty_panel": loyalty_panel,
            "recommendation_panel": recommendation_panel,
        },
    )


@router.get("/customers/{customer_id}/timeline", name="customer_timeline")
def customer_timeline(
    request: Request,
    user: ViewerUser,
    session: SessionDep,
    customer_id: int,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Older timeline entries: a full page without JS, or just the rows for the JS loader."""
    customer = profiles.get_customer(session, user.workspace_id, CustomerId(customer_id))
    timeline = ingest.list_timeline(
        session, user.workspace_id, customer.id, cursor=cursor, limit=TIMELINE_PAGE
    )
    fragment = request.headers.get("x-kizuna-fragment") == "timeline"
    template = "customers/_timeline_entries.html" if fragment else "customers/timeline.html"
    return render(request, template, {"customer": customer, "timeline": timeline})
