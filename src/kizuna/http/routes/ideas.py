"""Ideas API: the client endpoints (a source write key) and the admin API (API keys).

Client API (tag ``client``; HTTP Basic ``base64(writeKey:)`` like ingest; the customer is named
by ``userId`` / ``anonymousId`` and resolved like any Segment message):
``POST /v1/ideas``, ``POST /v1/ideas/{id}/votes``, ``DELETE /v1/ideas/{id}/votes`` (unvote),
``POST /v1/ideas/{id}/comments``.

Admin API: ``GET /v1/ideas``, ``GET /v1/ideas/{id}``, ``GET /v1/ideas/{id}/notifications``
(read key); ``POST /v1/ideas/{id}/status``, ``POST /v1/ideas/{id}/merge``,
``POST /v1/ideas/{id}/official-comments``, ``POST /v1/ideas/member-links`` (admin key).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from kizuna.auth.contracts import ApiKey
from kizuna.http.deps import AdminKey, ReadKey, RuntimeDep, SessionDep
from kizuna.http.routes.customers import _ERRORS, _PROBLEM
from kizuna.http.schemas.customers import Problem
from kizuna.http.schemas.ideas import (
    CommentIn,
    CommentOut,
    IdeaDetailOut,
    IdeaListOut,
    IdeaOut,
    IdeaSubmitIn,
    MemberLinkIn,
    MemberLinkOut,
    MergeIn,
    NotificationListOut,
    OfficialCommentIn,
    StatusIn,
    VoteIn,
    VoteResultOut,
    comment_out,
    detail_out,
    idea_out,
    list_out,
    notifications_out,
)
from kizuna.ideas import api as ideas
from kizuna.ideas.contracts import IdeaInput, IdeaSort, IdeaStatus
from kizuna.ingest import api as ingest
from kizuna.ingest.contracts import Source
from kizuna.ingest.errors import WriteKeyMissing
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.types import CustomerId

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": Problem, "description": "No such idea", "content": _PROBLEM},
}
_CHANGES: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    409: {"model": Problem, "description": "Not allowed in the idea's current state",
          "content": _PROBLEM},
}
_CLIENT: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Invalid request (fields named)", "content": _PROBLEM},
    401: {"model": Problem, "description": "No or unknown write key", "content": _PROBLEM},
    404: {"model": Problem, "description": "No such idea", "content": _PROBLEM},
    409: {"model": Problem, "description": "The idea takes no more votes", "content": _PROBLEM},
}

admin = APIRouter(prefix="/v1/ideas", tags=["ideas"], responses=_ERRORS)
client = APIRouter(prefix="/v1/ideas", tags=["client"], responses=_CLIENT)

IdeaPath = Annotated[int, Path(ge=1, description="The idea's id")]


# --- client API (write key) -----------------------------------------------------------------


def writer_source(request: Request, session: SessionDep) -> Source:
    """The source whose write key is the HTTP Basic user name."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    key = ""
    if scheme.lower() == "basic" and value.strip():
        try:
            key = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    if not key:
        raise WriteKeyMissing("Send the source's write key as the HTTP Basic user name.")
    return ingest.authenticate_write_key(session, key)


WriterSource = Annotated[Source, Depends(writer_source)]


def _customer(session: Session, source: Source, person: VoteIn | CommentIn | IdeaSubmitIn,
              runtime: Runtime) -> CustomerId:
    ref = IdentityRef(user_id=person.userId, anonymous_id=person.anonymousId)
    return profiles.resolve_customers(session, source.workspace_id, [ref],
                                      runtime.clock.now())[0]


@client.post("", status_code=201, response_model=IdeaOut)
def submit_idea(
    body: IdeaSubmitIn, source: WriterSource, session: SessionDep, runtime: RuntimeDep
) -> IdeaOut:
    """Store a customer's idea (status ``new``)."""
    customer = _customer(session, source, body, runtime)
    item = IdeaInput(title=body.title, body=body.body, category=body.category,
                     locale=body.locale)
    return idea_out(ideas.submit_idea(session, source.workspace_id, customer, item,
                                      runtime.clock.now()))


@client.post("/{idea_id}/votes", response_model=VoteResultOut)
def vote_for_idea(
    idea_id: IdeaPath, body: VoteIn, source: WriterSource, session: SessionDep,
    runtime: RuntimeDep,
) -> VoteResultOut:
    """Vote for the idea; voting twice changes nothing (``counted`` is false). A vote for a
    merged idea counts for the idea it was merged into."""
    customer = _customer(session, source, body, runtime)
    result = ideas.vote(session, source.workspace_id, idea_id, customer, runtime.clock.now(),
                        threshold=runtime.settings.idea_review_threshold)
    return VoteResultOut(idea=idea_out(result.idea), counted=result.counted)


@client.delete("/{idea_id}/votes", response_model=VoteResultOut)
def unvote_idea(
    idea_id: IdeaPath, body: VoteIn, source: WriterSource, session: SessionDep,
    runtime: RuntimeDep,
) -> VoteResultOut:
    """Take the customer's vote back (nothing happens if they had not voted)."""
    customer = _customer(session, source, body, runtime)
    idea = ideas.unvote(session, source.workspace_id, idea_id, customer, runtime.clock.now())
    return VoteResultOut(idea=idea_out(idea), counted=False)


@client.post("/{idea_id}/comments", status_code=201, response_model=CommentOut)
def comment_on_idea(
    idea_id: IdeaPath, body: CommentIn, source: WriterSource, session: SessionDep,
    runtime: RuntimeDep,
) -> CommentOut:
    """A customer's comment on the idea."""
    customer = _customer(session, source, body, runtime)
    return comment_out(ideas.add_comment(session, source.workspace_id, idea_id, body.body,
                                         runtime.clock.now(), customer_id=customer))


# --- admin API ------------------------------------------------------------------------------


def _actor(key: ApiKey) -> str:
    return f"API key {key.name or key.prefix}"


@admin.get("", response_model=IdeaListOut)
def list_ideas(
    key: ReadKey,
    session: SessionDep,
    status: IdeaStatus | None = None,
    sort: IdeaSort = IdeaSort.TOP,
    q: Annotated[str | None, Query(max_length=200, description="Words in title or body")] = None,
    include_merged: bool = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IdeaListOut:
    """Ideas, most votes first (``sort=top``) or newest first (``sort=new``), with the number
    of ideas per status."""
    result = ideas.list_ideas(session, key.workspace_id, status=status, sort=sort, page=page,
                              page_size=page_size, include_merged=include_merged, query=q)
    return list_out(result, ideas.count_by_status(session, key.workspace_id))


@admin.get("/{idea_id}", response_model=IdeaDetailOut, responses=_NOT_FOUND)
def get_idea(key: ReadKey, session: SessionDep, idea_id: IdeaPath) -> IdeaDetailOut:
    """The idea with its comments, status history and votes."""
    ws = key.workspace_id
    return detail_out(ideas.get_idea(session, ws, idea_id),
                      ideas.list_comments(session, ws, idea_id),
                      ideas.list_history(session, ws, idea_id),
                      ideas.list_votes(session, ws, idea_id))


@admin.get("/{idea_id}/notifications", response_model=NotificationListOut,
            responses=_NOT_FOUND)
def list_idea_notifications(
    key: ReadKey, session: SessionDep, idea_id: IdeaPath, pending: bool = False
) -> NotificationListOut:
    """Notifications recorded for the idea's voters and author (``delivered_at`` null:
    waiting for the messaging domain)."""
    ideas.get_idea(session, key.workspace_id, idea_id)
    return notifications_out(ideas.list_notifications(
        session, key.workspace_id, idea_id=idea_id, pending_only=pending))


@admin.post("/{idea_id}/status", response_model=IdeaOut, responses=_CHANGES)
def change_idea_status(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, idea_id: IdeaPath, body: StatusIn
) -> IdeaOut:
    """Move the idea to another status (409 for a move the status machine does not allow)."""
    return idea_out(ideas.change_status(session, key.workspace_id, idea_id, body.status,
                                        changed_by=_actor(key), at=runtime.clock.now(),
                                        note=body.note))


@admin.post("/{idea_id}/merge", response_model=IdeaOut, responses=_CHANGES)
def merge_idea(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, idea_id: IdeaPath, body: MergeIn
) -> IdeaOut:
    """Merge this idea (a duplicate) into ``into``; returns the idea that absorbed it."""
    return idea_out(ideas.merge_ideas(session, key.workspace_id, idea_id, body.into,
                                      changed_by=_actor(key), at=runtime.clock.now(),
                                      note=body.note,
                                      threshold=runtime.settings.idea_review_threshold))


@admin.post("/{idea_id}/official-comments", status_code=201, response_model=CommentOut,
             responses=_NOT_FOUND)
def add_official_comment(
    key: AdminKey, session: SessionDep, runtime: RuntimeDep, idea_id: IdeaPath,
    body: OfficialCommentIn,
) -> CommentOut:
    """The team's answer, marked official."""
    return comment_out(ideas.add_comment(session, key.workspace_id, idea_id, body.body,
                                         runtime.clock.now(),
                                         staff_name=body.author or _actor(key)))


@admin.post("/member-links", status_code=201, response_model=MemberLinkOut)
def issue_member_link(
    request: Request, key: AdminKey, session: SessionDep, runtime: RuntimeDep,
    body: MemberLinkIn,
) -> MemberLinkOut:
    """A link that lets one customer vote and comment on the public board ``/p/ideas``."""
    at = runtime.clock.now()
    if body.customerId is not None:
        customer = profiles.get_customer(session, key.workspace_id, body.customerId).id
    else:
        customer = profiles.resolve_customers(session, key.workspace_id,
                                              [IdentityRef(user_id=body.userId)], at)[0]
    link = ideas.issue_member_link(session, key.workspace_id, customer, at,
                                   valid_days=body.validDays)
    url = str(request.base_url).rstrip("/") + f"/p/ideas?m={link.token}"
    return MemberLinkOut(customer_id=customer, url=url, expires_at=link.expires_at)


router = APIRouter()
router.include_router(client)
router.include_router(admin)
