"""The client inbox API (tag ``client``): a customer's in-app messages, for their browser or app.

Every call carries the source's **write key** (HTTP Basic user name, as ingest and surveys)
and the signed-in user: ``X-Kizuna-User-Id`` and ``X-Kizuna-User-Hash`` =
HMAC-SHA256(inbox secret, user id) computed by the shop's server (``kizuna inbox secret``).
A wrong hash is a 401. Browsers may call from the origins configured for the workspace
(``kizuna inbox origins``); other origins get a 403 and no CORS headers. Calls are rate-limited
per client address. See docs/reference/in-app.md.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.errors import RateLimited
from kizuna.http.deps import RuntimeDep, SessionDep
from kizuna.http.ratelimit import TokenBucket
from kizuna.http.routes.surveys import client_source
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.inbox import (
    InboxMessageOut,
    InboxOut,
    UnreadCountOut,
    inbox_out,
    message_out,
)
from kizuna.messaging import inbox
from kizuna.messaging.inbox_tables import InboxSettingsRow
from kizuna.types import WorkspaceId

#: Requests per second per client address (burst: ``RATE_BURST``).
RATE_PER_SECOND = 10.0
RATE_BURST = 60.0
_ALLOW_HEADERS = "Authorization, Content-Type, X-Kizuna-User-Id, X-Kizuna-User-Hash"
_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text, "content": _PROBLEM}
    for code, text in ((401, "No or unknown write key, or a wrong user hash"),
                       (403, "The calling web site's origin is not allowed"),
                       (429, "Too many requests from this address"))}
_ONE = {**_ERRORS, 404: {"model": Problem, "description": "No such message in this inbox",
                         "content": _PROBLEM}}

router = APIRouter(tags=["client"])


def _limiter(request: Request) -> TokenBucket:
    bucket: TokenBucket | None = getattr(request.app.state, "inbox_rate_limiter", None)
    if bucket is None:
        bucket = TokenBucket(RATE_PER_SECOND, burst=RATE_BURST)
        request.app.state.inbox_rate_limiter = bucket
    return bucket


def _rate_limit(request: Request) -> None:
    try:
        _limiter(request).take(request.client.host if request.client else "?")
    except RateLimited as exc:
        raise RateLimited(f"Too many inbox requests from this address; retry in "
                          f"{exc.retry_after} s.", retry_after=exc.retry_after) from exc


def _own_origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


class InboxClient:
    """The verified caller: workspace, customer (None before the profile exists), origin."""

    def __init__(self, workspace_id: WorkspaceId, customer_id: int | None, origin: str) -> None:
        self.workspace_id = workspace_id
        self.customer_id = customer_id
        self.origin = origin

    def cors(self, response: Response) -> None:
        if self.origin:
            response.headers["Access-Control-Allow-Origin"] = self.origin
            response.headers["Vary"] = "Origin"


def inbox_client(request: Request, session: SessionDep) -> InboxClient:
    _rate_limit(request)
    source = client_source(request, session)
    origin = request.headers.get("origin", "")
    if origin and origin != _own_origin(request) and origin not in inbox.get_settings(
            session, source.workspace_id).allowed_origins:
        raise inbox.InboxOriginNotAllowed(origin=origin)
    customer = inbox.authenticate(
        session, source.workspace_id,
        server_secret=request.app.state.settings.secret_key.get_secret_value(),
        user_id=request.headers.get("x-kizuna-user-id", ""),
        user_hash_value=request.headers.get("x-kizuna-user-hash", ""))
    return InboxClient(source.workspace_id, customer, origin)


Client = Annotated[InboxClient, Depends(inbox_client)]
MessageId = Annotated[int, Path(ge=1, le=2**62, description="The message id")]


def _any_workspace_allows(session: Session, origin: str) -> bool:
    return any(origin in (row or []) for row in
               session.scalars(select(InboxSettingsRow.allowed_origins)))


@router.options("/v1/inbox", include_in_schema=False)
@router.options("/v1/inbox/{rest:path}", include_in_schema=False)
def preflight(request: Request, session: SessionDep) -> Response:
    """CORS preflight: allowed when some workspace lists the origin (the write key, which
    names the workspace, only comes with the real request, which is checked again)."""
    _rate_limit(request)
    origin = request.headers.get("origin", "")
    if not origin or not _any_workspace_allows(session, origin):
        return Response(status_code=403)
    return Response(status_code=204, headers={
        "Access-Control-Allow-Origin": origin, "Vary": "Origin",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": _ALLOW_HEADERS, "Access-Control-Max-Age": "600"})


@router.get("/v1/inbox", response_model=InboxOut, responses=_ERRORS)
def list_inbox(client: Client, session: SessionDep, runtime: RuntimeDep, response: Response,
               limit: Annotated[int, Query(ge=1, le=inbox.MAX_PAGE)] = 20,
               offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> InboxOut:
    """The user's messages: unread first, then newest first (dismissed and expired left out)."""
    client.cors(response)
    return inbox_out(inbox.list_messages(session, client.workspace_id, client.customer_id,
                                         now=runtime.clock.now(), limit=limit, offset=offset))


@router.get("/v1/inbox/unread-count", response_model=UnreadCountOut, responses=_ERRORS)
def unread_count(client: Client, session: SessionDep, runtime: RuntimeDep,
                 response: Response) -> UnreadCountOut:
    """How many unread messages the user has (for the bell's badge)."""
    client.cors(response)
    return UnreadCountOut(unread=inbox.unread_count(
        session, client.workspace_id, client.customer_id, now=runtime.clock.now()))


@router.post("/v1/inbox/{message_id}/read", response_model=InboxMessageOut, responses=_ONE)
def mark_read(client: Client, session: SessionDep, runtime: RuntimeDep, response: Response,
              message_id: MessageId) -> InboxMessageOut:
    """Mark one of the user's messages read."""
    client.cors(response)
    return message_out(inbox.mark_read(session, client.workspace_id, client.customer_id,
                                       message_id, now=runtime.clock.now()))


@router.post("/v1/inbox/{message_id}/dismiss", response_model=InboxMessageOut, responses=_ONE)
def dismiss(client: Client, session: SessionDep, runtime: RuntimeDep, response: Response,
            message_id: MessageId) -> InboxMessageOut:
    """Remove one of the user's messages from the inbox (it counts as read)."""
    client.cors(response)
    return message_out(inbox.dismiss(session, client.workspace_id, client.customer_id,
                                     message_id, now=runtime.clock.now()))
