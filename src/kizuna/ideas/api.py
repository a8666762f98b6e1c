"""Facade of the ideas domain: the idea board (co-creation, crowdsourcing).

Customers submit ideas, vote (one vote per customer per idea) and comment; the team moves
ideas through ``new → under_review → planned → shipped | declined`` (see ``logic``), merges
duplicates (votes follow, never counted twice) and writes official comments. Every status
change and merge leaves one pending notification per voter and the author in
``idea_notifications`` (the messaging domain delivers them). What customers do is also an
event on their timeline and their text goes to the voice-of-customer inbox.

Every function that changes an idea first locks its row, so concurrent votes, merges and
status changes apply one after the other and ``vote_count`` stays exact.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.feedback import api as feedback
from kizuna.feedback.contracts import FeedbackInput
from kizuna.ideas import logic, store
from kizuna.ideas.contracts import (
    MERGED,
    SYSTEM_ACTOR,
    THRESHOLD_NOTE,
    Idea,
    IdeaComment,
    IdeaInput,
    IdeaNotification,
    IdeaSort,
    IdeaStatus,
    IdeaVote,
    Member,
    MemberLink,
    Page,
    StatusChange,
    VoteResult,
)
from kizuna.ideas.errors import IdeaClosed, IdeaMergeInvalid, IdeaNotFound, IdeaTransitionInvalid
from kizuna.ideas.tables import IdeaRow
from kizuna.ids import hash_secret, new_secret
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.types import CustomerId, WorkspaceId

__all__ = [
    "add_comment",
    "change_status",
    "count_by_status",
    "find_member",
    "get_idea",
    "has_voted",
    "issue_member_link",
    "list_comments",
    "list_history",
    "list_ideas",
    "list_notifications",
    "list_votes",
    "merge_ideas",
    "next_statuses",
    "submit_idea",
    "unvote",
    "vote",
    "voted_ideas",
]

MEMBER_LINK_DAYS = 365
_MAX_MERGE_HOPS = 50


def _event(session: Session, workspace_id: WorkspaceId, customer_id: int | None, event: str,
           properties: dict[str, Any], at: datetime, message_id: str) -> None:
    if customer_id is not None:
        ingest.record_customer_event(session, workspace_id, customer_id=customer_id, event=event,
                                     properties=properties, at=at, message_id=message_id)


def _survivor(session: Session, workspace_id: WorkspaceId, customer_id: CustomerId) -> CustomerId:
    """The customer's current profile id (a profile merged away resolves to the survivor), so
    one person never holds two votes; raises ``CustomerNotFound`` for an unknown id."""
    return profiles.get_customer(session, workspace_id, customer_id).id


def submit_idea(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, item: IdeaInput,
    at: datetime,
) -> Idea:
    """Store a customer's idea (status ``new``), its ``Idea Submitted`` event and its text in
    the voice-of-customer inbox. Raises :class:`IdeaInvalid` naming the bad field."""
    at = ensure_aware_utc(at)
    clean = logic.clean_idea(item)
    customer_id = _survivor(session, workspace_id, customer_id)
    row = IdeaRow(workspace_id=workspace_id, title=clean.title, body=clean.body,
                  category=clean.category, author_customer_id=customer_id, locale=clean.locale,
                  status=IdeaStatus.NEW.value, vote_count=0, comment_count=0,
                  created_at=at, updated_at=at)
    session.add(row)
    session.flush()
    store.add_history(session, workspace_id, row.id, from_status=None,
                      to_status=IdeaStatus.NEW.value, note=None,
                      changed_by=f"customer:{customer_id}", at=at)
    _event(session, workspace_id, customer_id, "Idea Submitted",
           {"idea_id": row.id, "title": clean.title, "category": clean.category}, at,
           f"idea:{row.id}:submitted")
    text = clean.title + ("\n\n" + clean.body if clean.body else "")
    feedback.record_feedback(session, workspace_id, FeedbackInput(
        kind="idea", ref=str(row.id), text=text, received_on=at.date(), received_at=at,
        customer_id=customer_id, locale=clean.locale, subject=clean.title,
        category=clean.category, attributes={"idea_id": row.id}))
    return store.to_idea(row)


def get_idea(session: Session, workspace_id: WorkspaceId, idea_id: int) -> Idea:
    row = store.find_row(session, workspace_id, idea_id)
    if row is None:
        raise IdeaNotFound(f"Idea {idea_id} does not exist.", idea_id=idea_id)
    return store.to_idea(row)


def list_ideas(
    session: Session,
    workspace_id: WorkspaceId,
    *,
    status: IdeaStatus | None = None,
    sort: IdeaSort = IdeaSort.TOP,
    page: int = 1,
    page_size: int = 50,
    include_merged: bool = False,
    query: str | None = None,
) -> Page[Idea]:
    """A page of ideas: most votes first (``top``) or newest first (``new``)."""
    page, page_size = max(1, page), min(max(1, page_size), 200)
    items, total = store.list_ideas(session, workspace_id, status=status, sort=sort, page=page,
                                    page_size=page_size, include_merged=include_merged,
                                    query=(query or "").strip() or None)
    return Page(items=items, total=total, page=page, page_size=page_size)


def next_statuses(status: IdeaStatus) -> list[str]:
    """The statuses an idea in ``status`` may move to (empty: final)."""
    return sorted(s.value for s in logic.TRANSITIONS[status])


def count_by_status(session: Session, workspace_id: WorkspaceId) -> dict[str, int]:
    """Ideas per status (merged-away ideas counted apart, under ``merged``)."""
    return store.count_by_status(session, workspace_id)


def _lock_open(session: Session, workspace_id: WorkspaceId, idea_id: int) -> IdeaRow:
    """Lock the idea, following merges to the idea that absorbed it."""
    row = store.lock_row(session, workspace_id, idea_id)
    for _ in range(_MAX_MERGE_HOPS):
        if row.merged_into_id is None:
            return row
        row = store.lock_row(session, workspace_id, row.merged_into_id)
    return row


def _set_status(
    session: Session, row: IdeaRow, status: IdeaStatus, *, note: str | None, changed_by: str,
    at: datetime,
) -> None:
    workspace_id = WorkspaceId(row.workspace_id)
    previous = row.status
    row.status = status.value
    row.updated_at = at
    store.add_history(session, workspace_id, row.id, from_status=previous,
                      to_status=status.value, note=note, changed_by=changed_by, at=at)
    recipients = store.voter_ids(session, row.id)
    if row.author_customer_id is not None:
        recipients.add(row.author_customer_id)
    store.notify(session, workspace_id, row.id, recipients, kind="status_changed",
                 status=status.value, at=at)
    _event(session, workspace_id, row.author_customer_id, "Idea Status Changed",
           {"idea_id": row.id, "title": row.title, "from": previous, "to": status.value,
            "note": note}, at, f"idea:{row.id}:status:{status.value}")


def _apply_threshold(session: Session, row: IdeaRow, threshold: int, at: datetime) -> None:
    if logic.reaches_threshold(IdeaStatus(row.status), row.vote_count, threshold):
        _set_status(session, row, IdeaStatus.UNDER_REVIEW, note=THRESHOLD_NOTE,
                    changed_by=SYSTEM_ACTOR, at=at)


def vote(
    session: Session, workspace_id: WorkspaceId, idea_id: int, customer_id: CustomerId,
    at: datetime, *, threshold: int = 0,
) -> VoteResult:
    """Count the customer's vote (a second vote changes nothing). A vote for a merged idea
    goes to the idea it was merged into. When a ``new`` idea reaches ``threshold`` votes it
    moves to ``under_review``. Raises :class:`IdeaClosed` for shipped or declined ideas."""
    at = ensure_aware_utc(at)
    customer_id = _survivor(session, workspace_id, customer_id)
    row = _lock_open(session, workspace_id, idea_id)
    if IdeaStatus(row.status) in (IdeaStatus.SHIPPED, IdeaStatus.DECLINED):
        raise IdeaClosed(f"Idea {row.id} is {row.status}; it takes no more votes.",
                         idea_id=row.id, current_status=row.status)
    counted = store.insert_vote(session, workspace_id, row.id, customer_id, at)
    if counted:
        row.vote_count += 1
        row.updated_at = at
        _event(session, workspace_id, customer_id, "Idea Voted",
               {"idea_id": row.id, "title": row.title}, at, f"idea:{row.id}:vote:{customer_id}")
        _apply_threshold(session, row, threshold, at)
    session.flush()
    return VoteResult(idea=store.to_idea(row), counted=counted)


def unvote(
    session: Session, workspace_id: WorkspaceId, idea_id: int, customer_id: CustomerId,
    at: datetime,
) -> Idea:
    """Take the customer's vote back (nothing happens if there was none). The status an idea
    reached through the threshold stays."""
    at = ensure_aware_utc(at)
    customer_id = _survivor(session, workspace_id, customer_id)
    row = _lock_open(session, workspace_id, idea_id)
    if store.delete_vote(session, row.id, customer_id):
        row.vote_count -= 1
        row.updated_at = at
        session.flush()
    return store.to_idea(row)


def has_voted(
    session: Session, workspace_id: WorkspaceId, idea_id: int, customer_id: CustomerId
) -> bool:
    get_idea(session, workspace_id, idea_id)
    return store.has_voted(session, idea_id, customer_id)


def voted_ideas(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, idea_ids: list[int]
) -> set[int]:
    """Which of ``idea_ids`` the customer voted for (for the board's vote buttons)."""
    return store.voted_ideas(session, customer_id, idea_ids)


def list_votes(session: Session, workspace_id: WorkspaceId, idea_id: int) -> list[IdeaVote]:
    get_idea(session, workspace_id, idea_id)
    return store.votes(session, idea_id)


def add_comment(
    session: Session, workspace_id: WorkspaceId, idea_id: int, body: str, at: datetime, *,
    customer_id: CustomerId | None = None, staff_name: str | None = None,
) -> IdeaComment:
    """A customer's comment (``customer_id``; also an event and inbox item) or an official one
    by the team (``staff_name``). A comment on a merged idea goes to the surviving idea."""
    at = ensure_aware_utc(at)
    if (customer_id is None) == (staff_name is None):
        raise ValueError("pass exactly one of customer_id and staff_name")
    text = logic.clean_comment(body)
    staff = None if staff_name is None else logic.clean_staff_name(staff_name)
    if customer_id is not None:
        customer_id = _survivor(session, workspace_id, customer_id)
    row = _lock_open(session, workspace_id, idea_id)
    comment = store.add_comment(session, workspace_id, row.id, body=text,
                                customer_id=customer_id, staff_name=staff, at=at)
    row.comment_count += 1
    row.updated_at = at
    if customer_id is not None:
        _event(session, workspace_id, customer_id, "Idea Commented",
               {"idea_id": row.id, "title": row.title, "comment_id": comment.id}, at,
               f"idea:{row.id}:comment:{comment.id}")
        feedback.record_feedback(session, workspace_id, FeedbackInput(
            kind="idea_comment", ref=str(comment.id), text=text, received_on=at.date(),
            received_at=at, customer_id=customer_id, locale=row.locale, subject=row.title,
            category=row.category, attributes={"idea_id": row.id}))
    session.flush()
    return comment


def list_comments(
    session: Session, workspace_id: WorkspaceId, idea_id: int
) -> list[IdeaComment]:
    get_idea(session, workspace_id, idea_id)
    return store.comments(session, idea_id)


def list_history(
    session: Session, workspace_id: WorkspaceId, idea_id: int
) -> list[StatusChange]:
    get_idea(session, workspace_id, idea_id)
    return store.history(session, idea_id)


def change_status(
    session: Session, workspace_id: WorkspaceId, idea_id: int, status: IdeaStatus | str,
    *, changed_by: str, at: datetime, note: str | None = None,
) -> Idea:
    """Move the idea to ``status`` (see the allowed transitions in ``logic``), record who and
    why, and notify voters and the author. Asking for the current status changes nothing.
    Raises :class:`IdeaTransitionInvalid` (409) for a move the machine does not allow."""
    at = ensure_aware_utc(at)
    requested = status if isinstance(status, IdeaStatus) else logic.parse_status(status)
    clean_note = logic.clean_note(note)
    row = store.lock_row(session, workspace_id, idea_id)
    if row.merged_into_id is not None:
        raise IdeaTransitionInvalid(
            f"Idea {row.id} was merged into idea {row.merged_into_id}; change that one.",
            current_status=MERGED, requested=requested.value, allowed=[],
            merged_into_id=row.merged_into_id)
    if logic.check_transition(IdeaStatus(row.status), requested):
        _set_status(session, row, requested, note=clean_note, changed_by=changed_by, at=at)
        session.flush()
    return store.to_idea(row)


def merge_ideas(
    session: Session, workspace_id: WorkspaceId, duplicate_id: int, target_id: int, *,
    changed_by: str, at: datetime, note: str | None = None, threshold: int = 0,
) -> Idea:
    """Merge the duplicate into the target: its votes move (a customer who voted for both
    keeps one vote), it shows "merged into" the target, and its voters and author are
    notified. Merging it into the same target again changes nothing. Returns the target."""
    at = ensure_aware_utc(at)
    clean_note = logic.clean_note(note)
    if duplicate_id == target_id:
        raise IdeaMergeInvalid("An idea cannot be merged into itself.", idea_id=duplicate_id)
    first, second = sorted((duplicate_id, target_id))  # lock in id order: no deadlocks
    rows = {first: store.lock_row(session, workspace_id, first),
            second: store.lock_row(session, workspace_id, second)}
    duplicate, target = rows[duplicate_id], rows[target_id]
    if duplicate.merged_into_id == target.id:
        return store.to_idea(target)
    if duplicate.merged_into_id is not None:
        raise IdeaMergeInvalid(
            f"Idea {duplicate.id} was already merged into idea {duplicate.merged_into_id}.",
            idea_id=duplicate.id, merged_into_id=duplicate.merged_into_id)
    if target.merged_into_id is not None:
        raise IdeaMergeInvalid(
            f"Idea {target.id} was itself merged into idea {target.merged_into_id}; merge "
            "into that one.", idea_id=target.id, merged_into_id=target.merged_into_id)
    recipients = store.voter_ids(session, duplicate.id)
    if duplicate.author_customer_id is not None:
        recipients.add(duplicate.author_customer_id)
    gained = store.move_votes(session, workspace_id, duplicate.id, target.id)
    target.vote_count += gained
    target.updated_at = at
    duplicate.vote_count = 0
    duplicate.merged_into_id = target.id
    duplicate.updated_at = at
    store.add_history(session, workspace_id, duplicate.id, from_status=duplicate.status,
                      to_status=MERGED, note=clean_note or f"merged into #{target.id}",
                      changed_by=changed_by, at=at)
    store.notify(session, workspace_id, duplicate.id, recipients, kind=MERGED, status=MERGED,
                 at=at)
    _event(session, workspace_id, duplicate.author_customer_id, "Idea Status Changed",
           {"idea_id": duplicate.id, "title": duplicate.title, "from": duplicate.status,
            "to": MERGED, "merged_into_id": target.id, "note": clean_note}, at,
           f"idea:{duplicate.id}:status:{MERGED}")
    _apply_threshold(session, target, threshold, at)
    session.flush()
    return store.to_idea(target)


def list_notifications(
    session: Session, workspace_id: WorkspaceId, *, idea_id: int | None = None,
    customer_id: CustomerId | None = None, pending_only: bool = False,
) -> list[IdeaNotification]:
    """Notifications about status changes and merges (``delivered_at`` null: pending)."""
    return store.notifications(session, workspace_id, idea_id=idea_id,
                               customer_id=customer_id, pending_only=pending_only)


def issue_member_link(
    session: Session, workspace_id: WorkspaceId, customer_id: CustomerId, at: datetime, *,
    valid_days: int = MEMBER_LINK_DAYS,
) -> MemberLink:
    """A random token that identifies the customer on the public board (``/p/ideas?m=…``).
    Only its hash is stored; the token is returned this once."""
    at = ensure_aware_utc(at)
    token = new_secret("im")
    expires_at = at + timedelta(days=valid_days)
    store.add_member_link(session, workspace_id, customer_id, hash_secret(token), at, expires_at)
    return MemberLink(customer_id=customer_id, token=token, expires_at=expires_at)


def find_member(session: Session, token: str, at: datetime) -> Member | None:
    """The customer a member link's token stands for, or None (unknown or expired)."""
    if not token or len(token) > 200:
        return None
    found = store.find_member_link(session, hash_secret(token))
    if found is None or found[2] <= ensure_aware_utc(at):
        return None
    return Member(workspace_id=found[0], customer_id=found[1])


def shipped_since(
    session: Session, workspace_id: WorkspaceId, *, after_id: int, limit: int
) -> list[tuple[int, int, CustomerId | None, datetime]]:
    """Ideas that reached ``shipped`` after status-change id ``after_id``, in that order:
    (change id, idea id, author customer or None, shipped at). For the loyalty programme."""
    from sqlalchemy import select

    from kizuna.ideas.tables import IdeaStatusChangeRow

    rows = session.execute(
        select(IdeaStatusChangeRow.id, IdeaRow.id, IdeaRow.author_customer_id,
               IdeaStatusChangeRow.changed_at)
        .join(IdeaRow, IdeaRow.id == IdeaStatusChangeRow.idea_id)
        .where(IdeaStatusChangeRow.workspace_id == workspace_id,
               IdeaStatusChangeRow.to_status == IdeaStatus.SHIPPED.value,
               IdeaStatusChangeRow.id > after_id)
        .order_by(IdeaStatusChangeRow.id).limit(limit))
    return [(int(c), int(i), CustomerId(a) if a else None, at) for c, i, a, at in rows]
