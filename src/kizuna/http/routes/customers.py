"""Admin API for customers: search, profile, timeline. Needs a read (or admin) API key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from kizuna.commerce import api as commerce
from kizuna.http.deps import ReadKey, SessionDep
from kizuna.http.schemas.customers import (
    CustomerListOut,
    CustomerProfileOut,
    Problem,
    TimelineOut,
    customer_list_out,
    profile_out,
    timeline_entry_out,
)
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.types import CustomerId

RECENT_ORDERS = 20

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Invalid parameters", "content": _PROBLEM},
    401: {"model": Problem, "description": "No or unknown API key", "content": _PROBLEM},
    403: {
        "model": Problem,
        "description": "The key's scope does not allow reading",
        "content": _PROBLEM,
    },
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": Problem, "description": "No such customer", "content": _PROBLEM},
}

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=_ERRORS)

CustomerPath = Annotated[int, Path(ge=1, description="The customer's kizuna id")]


@router.get("", response_model=CustomerListOut)
def list_customers(
    key: ReadKey,
    session: SessionDep,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Substring of email, name, user id or phone"),
    ] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerListOut:
    """Search customers (case-insensitive substring), most recently seen first."""
    query = q.strip() if q else None
    result = profiles.search_customers(
        session, key.workspace_id, query or None, page=page, page_size=page_size
    )
    return customer_list_out(result)


@router.get("/{customer_id}", response_model=CustomerProfileOut, responses=_NOT_FOUND)
def get_customer(
    request: Request, key: ReadKey, session: SessionDep, customer_id: CustomerPath
) -> CustomerProfileOut:
    """A customer's profile: identifiers, traits, consent, order summary and recent orders.

    An id that was merged into another profile answers with the surviving profile.
    """
    customer = profiles.get_customer(session, key.workspace_id, CustomerId(customer_id))
    consents = profiles.list_consents(session, key.workspace_id, customer.id)
    orders = commerce.list_customer_orders(
        session, key.workspace_id, customer.id, limit=RECENT_ORDERS
    )
    stats = commerce.customer_order_stats(session, key.workspace_id, customer.id)
    timeline_url = request.app.url_path_for("list_customer_events", customer_id=str(customer.id))
    return profile_out(
        customer, consents=consents, orders=orders, stats=stats, timeline_url=str(timeline_url)
    )


@router.get(
    "/{customer_id}/events",
    response_model=TimelineOut,
    responses=_NOT_FOUND,
)
def list_customer_events(
    key: ReadKey,
    session: SessionDep,
    customer_id: CustomerPath,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TimelineOut:
    """The customer's timeline, newest first: events (including those sent while anonymous,
    before the person identified) and profile-merge records."""
    customer = profiles.get_customer(session, key.workspace_id, CustomerId(customer_id))
    page = ingest.list_timeline(session, key.workspace_id, customer.id, cursor=cursor, limit=limit)
    return TimelineOut(
        entries=[timeline_entry_out(e) for e in page.entries], next_cursor=page.next_cursor
    )
